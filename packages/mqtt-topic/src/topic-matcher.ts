import { InvalidTopicFilterError } from './invalid-topic-filter-error';
import { PackedStringCounts } from './packed-string-counts';
import { HASH_START, finishHash, hashRange, mixHash } from './topic-hash';
import { DOLLAR, HASH, PLUS, SLASH, isWildcardFilter } from './topic-levels';
import { TrieChildren, isHashLeaf, leafLevel, levelEquals } from './trie-children';
import { validateTopicFilter } from './validate-topic';

/**
 * One level of the wildcard trie. Fields are all set in the constructor, in one order, so every
 * node shares a hidden class; at a million filters the node layout is the memory budget.
 */
class TrieNode {
  /**
   * Literal children: none, the only one (most nodes), or a table once there are two or more. Only a
   * table holds leaves (a filter standing in for a child node, see `TrieChild`): it has room for their
   * reference counts, and it is where they save the most — under nodes with many children.
   */
  children: TrieNode | TrieChildren<TrieNode> | undefined = undefined;
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
          node.hashFilter = ownFilter(filter);
          this.wildcardFilters += 1;
        }
        return ++node.hashRefs;
      }
      if (first === PLUS) {
        node = node.plus ??= new TrieNode('+');
      } else {
        // The filter ends at this level's child, or has only '#' below it: the child can be a leaf.
        const leafHere =
          end === filter.length || (end + 2 === filter.length && filter.charCodeAt(end + 1) === HASH);
        const child = addLiteralChild(node, filter, from, end, leafHere);
        if (typeof child === 'number') {
          if (child === 1) this.wildcardFilters += 1;
          return child;
        }
        node = child;
      }
      if (end === filter.length) break;
      from = end + 1;
    }
    if (node.filter === undefined) {
      node.filter = ownFilter(filter);
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
    let node: TrieNode = this.root;
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
      const children: TrieNode['children'] = node.children;
      if (first !== PLUS && children instanceof TrieChildren) {
        const slot = children.find(filter, from, end, hashRange(filter, from, end));
        if (slot < 0) return 0;
        const child = children.childAt(slot);
        if (typeof child === 'string') {
          // A leaf is the only filter at and below its level.
          if (child !== filter) return 0;
          const left = children.leafRefsAt(slot) - 1;
          if (left > 0) {
            children.setLeafRefsAt(slot, left);
            return left;
          }
          children.deleteAt(slot);
          collapse(node);
          this.wildcardFilters -= 1;
          prune(path, node);
          return 0;
        }
        path.push(node);
        node = child;
      } else {
        path.push(node);
        const next = plusOrSingleChild(node, first, filter, from, end);
        if (next === undefined) return 0;
        node = next;
      }
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
    prune(path, node);
    return 0;
  }

  /** References held on `filter` (0 when it is not registered). */
  refCount(filter: string): number {
    if (!isWildcardFilter(filter)) return this.exact.get(filter) ?? 0;
    let node: TrieNode = this.root;
    let from = 0;
    for (;;) {
      let end = filter.indexOf('/', from);
      if (end === -1) end = filter.length;
      const first = end - from === 1 ? filter.charCodeAt(from) : -1;
      if (first === HASH) return node.hashRefs;
      const children: TrieNode['children'] = node.children;
      if (first !== PLUS && children instanceof TrieChildren) {
        const slot = children.find(filter, from, end, hashRange(filter, from, end));
        if (slot < 0) return 0;
        const child = children.childAt(slot);
        if (typeof child === 'string') return child === filter ? children.leafRefsAt(slot) : 0;
        node = child;
      } else {
        const next = plusOrSingleChild(node, first, filter, from, end);
        if (next === undefined) return 0;
        node = next;
      }
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
    let matched = 0;
    // A filter without wildcards matches only itself.
    if (
      this.exact.size !== 0 &&
      this.exact.getRange(topic, 0, topicLength, finishHash(whole)) !== undefined
    ) {
      matched += 1;
      if (into !== undefined) into.push(topic);
      else visit?.(topic);
    }
    if (!walkTrie) return matched;
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
          matched += 1;
          if (into !== undefined) into.push(node.hashFilter);
          else visit?.(node.hashFilter);
        }
        if (depth === levels) {
          // Every level consumed: a filter ending here matches.
          if (node.filter !== undefined) {
            matched += 1;
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
          const found = children.getRange(topic, from, end, levelHashes[depth] ?? 0);
          if (typeof found === 'string') {
            // A leaf: `<level>/#` matches whatever follows; any other leaf only a topic ending here.
            if (isHashLeaf(found) || depth + 1 === levels) {
              matched += 1;
              if (into !== undefined) into.push(found);
              else visit?.(found);
            }
            continue;
          }
          child = found;
        }
        if (child !== undefined) {
          nodes[top] = child;
          depths[top++] = depth + 1;
        }
      }
    } finally {
      this.walking = false;
    }
    return matched;
  }
}

/**
 * The child of `node` at level `filter.slice(from, end)`, made when absent; a number when the filter is
 * (now) held by a leaf — its reference count. `leafHere` says that the filter ends at this child, or has
 * only `#` below it, so a new child in a table can be a leaf.
 */

/**
 * The child of `node` for the level [from, end) of `filter` where `node` holds no child table: its `+` child
 * (`first` is the level's only character code when it has one), or its single child when the level matches.
 */
function plusOrSingleChild(
  node: TrieNode,
  first: number,
  filter: string,
  from: number,
  end: number,
): TrieNode | undefined {
  if (first === PLUS) return node.plus;
  const children = node.children;
  return children instanceof TrieNode && levelEquals(children, filter, from, end) ? children : undefined;
}
function addLiteralChild(
  node: TrieNode,
  filter: string,
  from: number,
  end: number,
  leafHere: boolean,
): TrieNode | number {
  const children = node.children;
  if (children === undefined) {
    const child = new TrieNode(ownLevel(filter, from, end));
    node.children = child;
    return child;
  }
  if (children instanceof TrieNode) {
    if (levelEquals(children, filter, from, end)) return children;
    const table = new TrieChildren<TrieNode>();
    table.add(children);
    node.children = table;
    return addToTable(table, filter, from, end, leafHere);
  }
  const slot = children.find(filter, from, end, hashRange(filter, from, end));
  if (slot < 0) return addToTable(children, filter, from, end, leafHere);
  const found = children.childAt(slot);
  if (typeof found !== 'string') return found;
  if (found === filter) {
    const refs = children.leafRefsAt(slot) + 1;
    children.setLeafRefsAt(slot, refs);
    return refs;
  }
  // Another filter goes through this leaf's level: the leaf becomes a node.
  const promoted = nodeFromLeaf(found, children.leafRefsAt(slot));
  children.replaceAt(slot, promoted);
  return promoted;
}

function addToTable(
  table: TrieChildren<TrieNode>,
  filter: string,
  from: number,
  end: number,
  leafHere: boolean,
): TrieNode | number {
  if (leafHere) {
    table.add(ownFilter(filter), 1);
    return 1;
  }
  const child = new TrieNode(ownLevel(filter, from, end));
  table.add(child);
  return child;
}

/** The node a leaf stands for. */
function nodeFromLeaf(leaf: string, refs: number): TrieNode {
  const level = leafLevel(leaf);
  const node = new TrieNode(ownLevel(level, 0, level.length));
  if (isHashLeaf(leaf)) {
    node.hashFilter = leaf;
    node.hashRefs = refs;
  } else {
    node.filter = leaf;
    node.refs = refs;
  }
  return node;
}

/** A table left with one child becomes that child (a node: only tables hold leaves); with none, nothing. */
function collapse(node: TrieNode): void {
  const children = node.children;
  if (!(children instanceof TrieChildren) || children.size > 1) return;
  const slot = children.anySlot();
  if (slot < 0) {
    node.children = undefined;
    return;
  }
  const only = children.childAt(slot);
  node.children = typeof only === 'string' ? nodeFromLeaf(only, children.leafRefsAt(slot)) : only;
}

/** Unlinks emptied nodes bottom-up, from `node` (whose parents are `path`, root first). */
function prune(path: readonly TrieNode[], node: TrieNode): void {
  for (let i = path.length - 1; i >= 0 && node.isEmpty(); i--) {
    const parent = path[i] as TrieNode;
    detach(parent, node);
    node = parent;
  }
}

/** Unlinks an emptied `node` from `parent`. */
function detach(parent: TrieNode, node: TrieNode): void {
  if (parent.plus === node) {
    parent.plus = undefined;
    return;
  }
  const children = parent.children;
  if (children === node) {
    parent.children = undefined;
  } else if (children instanceof TrieChildren) {
    const level = node.level;
    const slot = children.find(level, 0, level.length, hashRange(level, 0, level.length));
    if (slot >= 0) children.deleteAt(slot);
    collapse(parent);
  }
}

/**
 * The filter as a flat string of its own, for the trie to hold: a filter built by concatenation is a
 * tree of pieces, and one sliced from a larger string (a SUBSCRIBE packet) keeps all of it alive.
 */
function ownFilter(filter: string): string {
  return internedCopy(filter);
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
