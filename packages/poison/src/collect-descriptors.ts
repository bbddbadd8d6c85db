/**
 * How a registry is filled: every value the folder's modules export that is a
 * descriptor (by `isDescriptor`), ordered by its optional `order` (lower first;
 * absent: after every numbered one), then by name. Shared by the defence and
 * attacker registries.
 */

/** The values a module namespace exports, as a union over the modules. */
export type ValuesOf<M> = M extends unknown ? M[keyof M] : never;

export function collectDescriptors<D extends { readonly name: string; readonly order?: number }>(
  modules: readonly object[],
  isDescriptor: (v: unknown) => v is D,
): readonly D[] {
  return Object.freeze(
    modules
      .flatMap((m) => Object.values(m).filter(isDescriptor))
      .sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || a.name.localeCompare(b.name)),
  );
}
