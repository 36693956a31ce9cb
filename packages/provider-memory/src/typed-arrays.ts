type NumberArray = Int32Array | Uint32Array | Float64Array;

/** A copy of `array` with room for `capacity` elements (the new tail zero-filled). */
export function grown<A extends NumberArray>(array: A, capacity: number): A {
  const Ctor = array.constructor as new (length: number) => A;
  const out = new Ctor(capacity);
  out.set(array);
  return out;
}
