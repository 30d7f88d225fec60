/** The moto server the live tests share (started by test/live/global-setup.ts). */
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    motoUrl: string;
    motoError: string;
  }
}

/** The emulator's URL; fails the calling test file loudly, with the reason, when moto could not start. */
export function motoUrl(): string {
  const error = inject('motoError');
  if (error) throw new Error(error);
  return inject('motoUrl');
}
