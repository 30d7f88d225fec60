import { readFileSync } from 'node:fs';
import { Language, Parser } from 'web-tree-sitter';

await Parser.init();
const lang = await Language.load(
  readFileSync('node_modules/@tree-sitter-grammars/tree-sitter-hcl/tree-sitter-terraform.wasm'),
);
const parser = new Parser();
parser.setLanguage(lang);
const src = `a = aws_kms_key.root.arn
b = var.x[0]
c = local.m["k"].y
d = [for x in var.l : x.a if x.b]
e = {for k, v in m : k => v...}
f = a.*.b
g = a[*].b
h = <<EOT
hello \${var.n}
EOT
i = "\${var.a}-x"
j = a == "c" && !b || -1 > 2
k = f(x, y...)
l = { "q" = 1, w = 2, (var.k) = 3 }
m = x ? y : z
n = (1 + 2) * 3
`;
const tree = parser.parse(src);
function show(n, d = 0) {
  console.log(' '.repeat(d * 2) + n.type + (n.namedChildCount === 0 ? ' ' + JSON.stringify(n.text) : ''));
  for (const c of n.namedChildren) show(c, d + 1);
}
for (const a of tree.rootNode.namedChildren[0].namedChildren) {
  console.log('----');
  show(a.namedChildren[1]);
}
