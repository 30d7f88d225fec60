/** Text from data (a tenant's names, a policy's ARN) made to fit a message: cut at `max` characters, marked `…`. */
export const shortened = (text: string, max = 200): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;
