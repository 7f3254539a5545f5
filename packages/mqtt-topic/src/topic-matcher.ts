import { InvalidTopicFilterError } from './invalid-topic-filter-error';
import { PackedStringCounts } from './packed-string-counts';
import { HASH_START, StringTable, finishHash, hashRange, mixHash } from './string-table';
import { DOLLAR, HASH, PLUS, SLASH, isWildcardFilter } from './topic-levels';
import { validateTopicFilter } from './validate-topic';

/**
 * One level of the wildcard trie. Fields are all set in the constructor, in one order, so every
 * node shares a hidden class; at a million filters the node layout is the memory budget.
 */
class TrieNode {
  /** Literal children: none, the only one (most nodes), or a table once there are two or more. */
  children: TrieNode | StringTable<TrieNode> | undefined = undefined;
  /** The child reached through a `+` level. */
  plus: TrieNode | undefined = undefined;
  /** The filter `<this path>/#` (`#` at the root), kept so a match returns it without building it. */
  hashFilter: string | undefined = undefined;
  hashRefs = 0;
  /** The wildcard filter that ends exactly at this node. */
  filter: string | undefined = undefined;
  refs = 0;

  /** This node's level in its parent; compared in place when the node is an only child. */
  constructor(readonly level: string) {}

  isEmpty(): boolean {
    return (
      this.children === undefined &&
      this.plus === undefined &&
      this.hashFilter === undefined &&
      this.filter === undefined
    );
  }
}

/**
 * A registry of many topic filters, answering "which registered filters match this topic name?".
 *
 * Registration is reference-counted: a filter stays registered while any holder (a session, in
 * Starling) still holds it. `add` returns the count after adding — 1 means the filter is new —
 * and `remove` the count after removing — 0 means it is gone.
 *
 * Layout: a filter without wildcards matches only the topic spelled exactly like it
 * (no normalisation [MQTT-4.7.3-4]), so those live in one hash table keyed by the filter, and a
 * match costs one lookup. That table keeps its keys packed in typed arrays (`PackedStringCounts`):
 * most of a million filters are exact, and as strings they were a million objects for the garbage
 * collector to mark again and again. Filters with `+` or `#` live in a trie with one node per level, walked
 * only when it holds anything: the topic is scanned once for its level boundaries and level
 * hashes, then the walk compares and looks levels up in place, without slicing.
 *
 * Not re-entrant: a `forEachMatch` callback must not call back into the same matcher.
 */
export class TopicMatcher {
  private readonly exact = new PackedStringCounts();
  private readonly root = new TrieNode('');
  private wildcardFilters = 0;
  private walking = false;
  // Scratch state reused by every match, so that matching allocates nothing but its result.
  // levelStarts[i] is where level i starts; levelStarts[levels] is length + 1. The walk keeps
  // an explicit stack rather than recursing, so a filter with thousands of levels cannot
  // overflow the call stack.
  private readonly levelStarts: number[] = [0];
  private readonly levelHashes: number[] = [0];
  private readonly stackNodes: (TrieNode | undefined)[] = [];
  private readonly stackLevels: number[] = [];

  /** Number of distinct filters registered. */
  get size(): number {
    return this.exact.size + this.wildcardFilters;
  }

  /**
   * Registers one more reference to `filter` and returns the reference count. Throws
   * `InvalidTopicFilterError` for a string that is not a valid filter: validate SUBSCRIBE input
   * with `validateTopicFilter` first.
   */
  add(filter: string): number {
    const validation = validateTopicFilter(filter);
    if (!validation.ok) throw new InvalidTopicFilterError(filter, validation.reason, validation.message);
    if (!isWildcardFilter(filter)) {
      const refs = (this.exact.get(filter) ?? 0) + 1;
      this.exact.set(filter, refs);
      return refs;
    }
    let node = this.root;
    let from = 0;
    for (;;) {
      let end = filter.indexOf('/', from);
      if (end === -1) end = filter.length;
      const first = end - from === 1 ? filter.charCodeAt(from) : -1;
      if (first === HASH) {
        // Validation guarantees '#' is the last level.
        if (node.hashFilter === undefined) {
          node.hashFilter = filter;
          this.wildcardFilters += 1;
        }
        return ++node.hashRefs;
      }
      node = first === PLUS ? (node.plus ??= new TrieNode('+')) : literalChild(node, filter, from, end);
      if (end === filter.length) break;
      from = end + 1;
    }
    if (node.filter === undefined) {
      node.filter = filter;
      this.wildcardFilters += 1;
    }
    return ++node.refs;
  }

  /**
   * Drops one reference to `filter` and returns the references left; at 0 the filter no longer
   * matches anything. Removing a filter that is not registered (or not valid) returns 0.
   */
  remove(filter: string): number {
    if (!validateTopicFilter(filter).ok) return 0;
    if (!isWildcardFilter(filter)) {
      const refs = this.exact.get(filter);
      if (refs === undefined) return 0;
      if (refs > 1) {
        this.exact.set(filter, refs - 1);
        return refs - 1;
      }
      this.exact.delete(filter);
      return 0;
    }
    // Find the node, remembering the path so that emptied nodes can be pruned bottom-up.
    const path: TrieNode[] = [];
    let node: TrieNode | undefined = this.root;
    let from = 0;
    let viaHash = false;
    for (;;) {
      let end = filter.indexOf('/', from);
      if (end === -1) end = filter.length;
      const first = end - from === 1 ? filter.charCodeAt(from) : -1;
      if (first === HASH) {
        viaHash = true;
        break;
      }
      path.push(node);
      node = first === PLUS ? node.plus : findLiteralChild(node, filter, from, end);
      if (node === undefined) return 0;
      if (end === filter.length) break;
      from = end + 1;
    }
    let left: number;
    if (viaHash) {
      if (node.hashFilter === undefined) return 0;
      left = --node.hashRefs;
      if (left === 0) node.hashFilter = undefined;
    } else {
      if (node.filter === undefined) return 0;
      left = --node.refs;
      if (left === 0) node.filter = undefined;
    }
    if (left > 0) return left;
    this.wildcardFilters -= 1;
    for (let i = path.length - 1; i >= 0 && node.isEmpty(); i--) {
      const parent = path[i] as TrieNode;
      detach(parent, node);
      node = parent;
    }
    return 0;
  }

  /** References held on `filter` (0 when it is not registered). */
  refCount(filter: string): number {
    if (!isWildcardFilter(filter)) return this.exact.get(filter) ?? 0;
    let node: TrieNode | undefined = this.root;
    let from = 0;
    for (;;) {
      let end = filter.indexOf('/', from);
      if (end === -1) end = filter.length;
      const first = end - from === 1 ? filter.charCodeAt(from) : -1;
      if (first === HASH) return node.hashRefs;
      node = first === PLUS ? node.plus : findLiteralChild(node, filter, from, end);
      if (node === undefined) return 0;
      if (end === filter.length) return node.refs;
      from = end + 1;
    }
  }

  /**
   * Every registered filter that matches `topic` (a valid topic name), each once, in no
   * particular order. Pass `into` to reuse an array; matches are appended to it.
   */
  match(topic: string, into: string[] = []): string[] {
    this.walk(topic, into, undefined);
    return into;
  }

  /** Calls `visit` with every registered filter that matches `topic`; returns how many did. */
  forEachMatch(topic: string, visit: (filter: string) => void): number {
    return this.walk(topic, undefined, visit);
  }

  private walk(
    topic: string,
    into: string[] | undefined,
    visit: ((filter: string) => void) | undefined,
  ): number {
    if (this.walking)
      throw new Error('TopicMatcher.forEachMatch callbacks must not call back into the matcher');
    const topicLength = topic.length;
    if (topicLength === 0) return 0;
    const walkTrie = this.wildcardFilters !== 0;
    // One pass over the topic: the hash of the whole topic (for exact filters) and, when the
    // trie holds anything, where each level starts and its hash.
    const starts = this.levelStarts;
    const levelHashes = this.levelHashes;
    let levels = 0;
    let whole = HASH_START;
    let level = HASH_START;
    for (let i = 0; i < topicLength; i++) {
      const c = topic.charCodeAt(i);
      whole = mixHash(whole, c);
      if (!walkTrie) continue;
      if (c === SLASH) {
        levelHashes[levels++] = finishHash(level);
        starts[levels] = i + 1;
        level = HASH_START;
      } else {
        level = mixHash(level, c);
      }
    }
    let found = 0;
    // A filter without wildcards matches only itself.
    if (
      this.exact.size !== 0 &&
      this.exact.getRange(topic, 0, topicLength, finishHash(whole)) !== undefined
    ) {
      found += 1;
      if (into !== undefined) into.push(topic);
      else visit?.(topic);
    }
    if (!walkTrie) return found;
    levelHashes[levels++] = finishHash(level);
    starts[levels] = topicLength + 1;
    // Wildcards at the first level never match a topic starting with '$' [MQTT-4.7.2-1].
    const system = topic.charCodeAt(0) === DOLLAR;
    const nodes = this.stackNodes;
    const depths = this.stackLevels;
    let top = 0;
    nodes[top] = this.root;
    depths[top++] = 0;
    this.walking = true;
    try {
      while (top > 0) {
        const node = nodes[--top];
        const depth = depths[top] ?? 0;
        if (node === undefined) break;
        const wildcardsApply = depth !== 0 || !system;
        // A '#' here matches the rest of the topic, including no further level at all:
        // `a/#` matches `a` (§4.7.1.2).
        if (node.hashFilter !== undefined && wildcardsApply) {
          found += 1;
          if (into !== undefined) into.push(node.hashFilter);
          else visit?.(node.hashFilter);
        }
        if (depth === levels) {
          // Every level consumed: a filter ending here matches.
          if (node.filter !== undefined) {
            found += 1;
            if (into !== undefined) into.push(node.filter);
            else visit?.(node.filter);
          }
          continue;
        }
        // '+' takes exactly one level, empty or not.
        if (node.plus !== undefined && wildcardsApply) {
          nodes[top] = node.plus;
          depths[top++] = depth + 1;
        }
        const children = node.children;
        if (children === undefined) continue;
        const from = starts[depth] ?? 0;
        const end = (starts[depth + 1] ?? 0) - 1;
        let child: TrieNode | undefined;
        if (children instanceof TrieNode) {
          if (children.level.length === end - from && topic.startsWith(children.level, from))
            child = children;
        } else {
          child = children.getRange(topic, from, end, levelHashes[depth] ?? 0);
        }
        if (child !== undefined) {
          nodes[top] = child;
          depths[top++] = depth + 1;
        }
      }
    } finally {
      this.walking = false;
    }
    return found;
  }
}

function findLiteralChild(node: TrieNode, filter: string, from: number, end: number): TrieNode | undefined {
  const children = node.children;
  if (children === undefined) return undefined;
  if (children instanceof TrieNode) {
    return children.level.length === end - from && filter.startsWith(children.level, from)
      ? children
      : undefined;
  }
  return children.getRange(filter, from, end, hashRange(filter, from, end));
}

function literalChild(node: TrieNode, filter: string, from: number, end: number): TrieNode {
  const found = findLiteralChild(node, filter, from, end);
  if (found !== undefined) return found;
  const level = ownLevel(filter, from, end);
  const child = new TrieNode(level);
  const children = node.children;
  if (children === undefined) {
    node.children = child;
  } else if (children instanceof TrieNode) {
    const table = new StringTable<TrieNode>();
    table.set(children.level, children);
    table.set(level, child);
    node.children = table;
  } else {
    children.set(level, child);
  }
  return child;
}

/** Unlinks an emptied `node` from `parent`; a table left with one child collapses back to it. */
function detach(parent: TrieNode, node: TrieNode): void {
  if (parent.plus === node) {
    parent.plus = undefined;
    return;
  }
  const children = parent.children;
  if (children === node) {
    parent.children = undefined;
  } else if (children !== undefined && !(children instanceof TrieNode)) {
    children.delete(node.level);
    if (children.size === 1) parent.children = children.anyValue();
  }
}

/**
 * The level as a string of its own. `slice` of a long string can return a view that keeps the
 * whole filter alive after that filter is removed; an intermediate level outlives the filter that
 * created it, so it must not pin it.
 */
function ownLevel(filter: string, from: number, end: number): string {
  const level = filter.slice(from, end);
  return level.length < 13 ? level : internedCopy(level);
}

// V8 makes sliced-string views only for slices of 13 code units or more; shorter ones are copies.
// A property key is stored as an internalized (deduplicated, flat) string, which is both the copy
// we need and a free intern pool: equal levels under different parents share one string, and the
// engine drops it when the last node using it goes.
const internHolder: Record<string, true> = Object.create(null) as Record<string, true>;
function internedCopy(level: string): string {
  internHolder[level] = true;
  let interned = level;
  for (const key in internHolder) interned = key;
  delete internHolder[level];
  return interned;
}
