/**
 * Size arithmetic behind `measure`: qcow2's metadata overhead for a virtual size (the fixed-point
 * refcount computation QEMU's qcow2 driver documents) and which clusters of a source hold data.
 */

/** Bytes of refcount table + blocks needed to count `clusters` clusters, themselves included. */
export function refcountMetadataSize(clusters: number, clusterSize: number, refcountOrder: number): number {
  const blocksPerTableCluster = clusterSize / 8;
  const refcountsPerBlock = (clusterSize * 8) / 2 ** refcountOrder;
  let table = 0;
  let blocks = 0;
  let n = 0;
  let last: number;
  do {
    last = n;
    blocks = Math.ceil((clusters + table + blocks) / refcountsPerBlock);
    table = Math.ceil(blocks / blocksPerTableCluster);
    n = clusters + blocks + table;
  } while (n !== last);
  return (blocks + table) * clusterSize;
}

function roundUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/** Size of a fully preallocated qcow2 image: header, L1, L2, refcounts and every data cluster. */
export function qcow2FullSize(virtualSize: number, clusterSize: number, refcountOrder: number, l2EntrySize = 8): number {
  const aligned = roundUp(virtualSize, clusterSize);
  let meta = clusterSize;
  const nl2e = roundUp(aligned / clusterSize, clusterSize / l2EntrySize);
  meta += nl2e * l2EntrySize;
  const nl1e = roundUp((nl2e * l2EntrySize) / clusterSize, clusterSize / 8);
  meta += nl1e * 8;
  meta += refcountMetadataSize((meta + aligned) / clusterSize, clusterSize, refcountOrder);
  return meta + aligned;
}
