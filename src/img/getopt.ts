/**
 * GNU getopt_long as qemu-img uses it, including argument permutation: options may follow
 * positional arguments (`create hda.img -f qcow 6G`), "--" ends options, long options may be
 * abbreviated to a unique prefix and take "=value" or the next argument.
 */
import { ImgUsageError } from './errors.js';

/** A long option: its name and whether it takes an argument. */
export interface LongOption {
  readonly name: string;
  readonly hasArg: boolean;
}

/** One parsed option, in command-line order; `name` is the short letter or the long name. */
export interface ParsedOption {
  readonly name: string;
  readonly value: string | undefined;
}

/** Result of parsing: options in order and the positional arguments. */
export interface ParsedArgs {
  readonly options: ParsedOption[];
  readonly positional: string[];
}

/**
 * Parses argv. `shortSpec` is getopt's string ("f:o:q": a letter followed by ':' takes a value).
 * Unknown options and missing values throw qemu-img's messages.
 */
export function getopt(argv: readonly string[], shortSpec: string, longOptions: readonly LongOption[] = []): ParsedArgs {
  const takesArg = new Map<string, boolean>();
  const spec = shortSpec.replace(/^[:+-]+/, '');
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i] as string;
    if (c === ':') continue;
    takesArg.set(c, spec[i + 1] === ':');
  }
  const options: ParsedOption[] = [];
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = arg.slice(2, eq < 0 ? undefined : eq);
      const exact = longOptions.find((o) => o.name === name);
      const matches = exact !== undefined ? [exact] : longOptions.filter((o) => o.name.startsWith(name));
      if (matches.length !== 1) {
        throw new ImgUsageError(`unrecognized option '${arg}'`, true);
      }
      const opt = matches[0] as LongOption;
      if (!opt.hasArg) {
        if (eq >= 0) throw new ImgUsageError(`unrecognized option '${arg}'`, true);
        options.push({ name: opt.name, value: undefined });
      } else if (eq >= 0) {
        options.push({ name: opt.name, value: arg.slice(eq + 1) });
      } else {
        const value = argv[i + 1];
        if (value === undefined) throw new ImgUsageError(`missing argument for option '${arg}'`, true);
        options.push({ name: opt.name, value });
        i++;
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j] as string;
        const has = takesArg.get(c);
        if (has === undefined) throw new ImgUsageError(`unrecognized option '${arg}'`, true);
        if (!has) {
          options.push({ name: c, value: undefined });
          continue;
        }
        let value: string | undefined = arg.slice(j + 1);
        if (value === '') {
          value = argv[i + 1];
          if (value === undefined) throw new ImgUsageError(`missing argument for option '${arg}'`, true);
          i++;
        }
        options.push({ name: c, value });
        break;
      }
      continue;
    }
    positional.push(arg);
  }
  return { options, positional };
}
