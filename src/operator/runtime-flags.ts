/**
 * How the operator process is launched (npm run operator, the benchmark, and
 * the container image to come). V8 sizes its heap from the machine's memory
 * and collects lazily; capped, the operator holds 3 members × 5,000 nodes in
 * ~62 MB of live heap and ~235 MB RSS, against ~430 MB uncapped. 128 MiB
 * leaves twice the measured live set; raise it for larger federations.
 */
export const OPERATOR_NODE_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=4'] as const;
