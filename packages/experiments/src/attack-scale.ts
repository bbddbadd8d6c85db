/**
 * The clone attack's defaults, scaled to the attacker split a user's data gives.
 *
 * On the shipped digits an attacker asks 1,500 of its 1,998 inputs (3/4) with
 * 3 seeds. On a smaller split the same share is asked, and the seeds rise so
 * that the total number of queries stays 3 × 1,500 (at most 10 seeds): each
 * smaller clone is noisier, and more of them keep the interval about as narrow.
 */

/** Defaults on the shipped data, whose attacker split holds `shippedPool` inputs. */
export const ATTACK_DEFAULTS = { queries: 1500, seeds: 3, shippedPool: 1998, maxSeeds: 10, minQueries: 10 } as const;

export interface AttackScale {
  readonly queries: number;
  readonly seeds: number;
  /** One sentence when a default was scaled down (or up), for the user. */
  readonly note?: string;
}

/**
 * queries = min(1500, max(10, round(1500 · pool / 1998))) and, when that shrank,
 * seeds = min(10, ⌈3 · 1500 / queries⌉): the defaults for `pool` attacker
 * inputs. A value the user gave is kept as given (checked by the caller).
 */
export function scaleAttackToSplit(
  pool: number,
  given: { readonly queries?: number | undefined; readonly seeds?: number | undefined },
): AttackScale {
  const d = ATTACK_DEFAULTS;
  const scaled = Math.min(d.queries, Math.max(d.minQueries, Math.round((d.queries * pool) / d.shippedPool)));
  const queries = given.queries ?? scaled;
  const shrunk = given.queries === undefined && scaled < d.queries;
  const seeds =
    given.seeds ??
    (shrunk ? Math.min(d.maxSeeds, Math.max(d.seeds, Math.ceil((d.seeds * d.queries) / queries))) : d.seeds);
  if (!shrunk) return { queries, seeds };
  const seedPart =
    given.seeds === undefined && seeds !== d.seeds
      ? ` and --seeds from ${d.seeds} to ${seeds} (about the same ${(d.seeds * d.queries).toLocaleString('en-US')} queries in all)`
      : '';
  return {
    queries,
    seeds,
    note: `the attacker split has ${pool} inputs: --queries defaults to ${queries} (3/4 of it, as 1,500 of the shipped 1,998)${seedPart}`,
  };
}
