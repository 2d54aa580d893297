// The scratch region: where JavaScript lays out each call's inputs and outputs.

let scratchBlock: usize = 0;
let scratchCapacity: usize = 0;

/**
 * A region of at least `size` bytes (16-aligned). Its contents are dropped when it moves; it grows on
 * demand and shrinks again after a request under 1/8 of a capacity above 1 MiB.
 */
export function scratch(size: usize): usize {
  if (size > scratchCapacity || (scratchCapacity > (1 << 20) && size < scratchCapacity >>> 3)) {
    if (scratchBlock != 0) heap.free(scratchBlock);
    scratchCapacity = max<usize>(size, 4096);
    scratchBlock = heap.alloc(scratchCapacity);
  }
  return scratchBlock;
}
