/**
 * Random canvases for property tests. fast-check generates a plain description (a Shape), which
 * shrinks well and prints as the code a user would have written; buildCanvas turns it into real
 * canvas objects with the public builders (`task.s`, `task.si`, `app.signature`, `chain`,
 * `group`, `chord`, `dag`), so what is tested is what users build.
 */
import fc from 'fast-check';
import { type AnyCanvas, type App, chain, chord, dag, type DagNode, group, map, replace, type Replacement, type SignatureOptions, when } from '../../src/index.js';
import {
  fullArgsArbitrary,
  jsonArbitrary,
  type Json,
  type LooseTask,
  OTHER_QUEUE,
  PROPERTY_TASK_NAMES,
  type PropertyTaskName,
  type PropertyTasks,
} from './property-tasks.js';

export interface SignatureShape {
  readonly kind: 'signature';
  readonly task: PropertyTaskName;
  /** The complete arguments; a signature that receives its parent's value binds all but the first. */
  readonly args: readonly Json[];
  readonly immutable: boolean;
  /** Made with `app.signature(name, ...)` rather than `task.s(...)`. */
  readonly byName: boolean;
  readonly options: SignatureOptions | null;
}
export interface ChainShape {
  readonly kind: 'chain';
  readonly steps: readonly Shape[];
}
export interface GroupShape {
  readonly kind: 'group';
  readonly members: readonly Shape[];
  /** `group([a, b])` rather than `group(a, b)`. */
  readonly asArray: boolean;
}
export interface ChordShape {
  readonly kind: 'chord';
  readonly header: readonly Shape[];
  readonly body: Shape;
  /** `chord(group(a, b), body)` rather than `chord([a, b], body)`. */
  readonly headerAsGroup: boolean;
}
/**
 * A dag: nodes in the order they are added, each naming earlier ones in `after`. A node with
 * several parents is built as `chain(collect.s(), node)`: collect takes any number of arguments,
 * so every random node shape can follow several parents.
 */
export interface DagShape {
  readonly kind: 'dag';
  readonly nodes: readonly { readonly shape: Shape; readonly after: readonly number[] }[];
}
/** A when: its predicate is one signature (a when's predicate must end in one task). */
export interface WhenShape {
  readonly kind: 'when';
  readonly predicate: SignatureShape;
  readonly then: Shape;
  readonly otherwise: Shape | null;
}
/**
 * A map over a list made at run time: built as `chain(items.s(...), map(element))`, where
 * prop.items makes 0 to 3 items from its input (or from `arg` at a canvas's start).
 */
export interface MapShape {
  readonly kind: 'map';
  readonly arg: Json;
  readonly element: Shape;
}
/**
 * A node whose handler returns replace(inner): built as `replaceWith.s(innerShape)` (or with
 * `arg` first at a canvas's start), whose handler builds `inner` at run time (replaceFunction).
 */
export interface ReplaceShape {
  readonly kind: 'replace';
  readonly arg: Json;
  readonly inner: Shape;
}
/**
 * An element with an error callback. The property tasks never fail, so the callback is always
 * skipped: what is tested is that it changes neither the value nor anything around it.
 */
export interface OnErrorShape {
  readonly kind: 'onError';
  readonly element: Shape;
  readonly callback: Shape;
}
export type Shape = SignatureShape | ChainShape | GroupShape | ChordShape | DagShape | WhenShape | MapShape | ReplaceShape | OnErrorShape;

/** What building needs: the registered tasks (for `.s`) and the app (for `app.signature`). */
export interface BuildEnv {
  readonly app: App;
  readonly tasks: PropertyTasks;
  /** The task replace shapes are built with (registerReplaceTask). */
  readonly replaceWith?: LooseTask;
}

/** The body of `prop.replaceWith`: replaced by the canvas its shape argument describes. */
export function replaceFunction(env: BuildEnv): (input: unknown, shape: Shape) => Replacement<unknown> {
  return (_input, shape) => replace(buildCanvas(shape, env).canvas);
}

/** Register `prop.replaceWith` with the env's app; returns the env with it. */
export function withReplaceTask(env: BuildEnv): BuildEnv {
  // Shapes are JSON: the handler takes them as they arrive, and builds nested replacements with
  // the env that has this task.
  const full: { -readonly [K in keyof BuildEnv]: BuildEnv[K] } = { ...env };
  full.replaceWith = env.app.task({ name: 'prop.replaceWith' }, (input: unknown, shape: unknown) => replaceFunction(full)(input, shape as Shape)) as unknown as LooseTask;
  return full;
}

const optionsArbitrary: fc.Arbitrary<SignatureOptions | null> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 9 }).map((priority): SignatureOptions => ({ priority })) },
  { weight: 1, arbitrary: fc.constant<SignatureOptions>({ queue: OTHER_QUEUE }) },
);

const signatureArbitrary: fc.Arbitrary<SignatureShape> = fc.oneof(
  ...PROPERTY_TASK_NAMES.map((task) =>
    fc.record({
      kind: fc.constant('signature' as const),
      task: fc.constant(task),
      args: fullArgsArbitrary[task],
      immutable: fc.boolean(),
      byName: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      options: optionsArbitrary,
    }),
  ),
);

export interface ShapeLimits {
  /** Most signatures in one canvas. */
  readonly maxSignatures: number;
  /** Deepest nesting of chains, groups and chords. */
  readonly maxDepth: number;
  /** Include maps (their nodes are only known at run time). */
  readonly maps?: boolean;
  /** Include replacements (BuildEnv.replaceWith must be registered). */
  readonly replaces?: boolean;
  /** Include elements with an error callback. */
  readonly onErrors?: boolean;
}

/** Random valid canvases: at least one signature, at most `maxSignatures`. */
export function shapeArbitrary(limits: ShapeLimits = { maxSignatures: 30, maxDepth: 4 }): fc.Arbitrary<Shape> {
  const mapWeight = limits.maps === true ? 1 : 0;
  const replaceWeight = limits.replaces === true ? 1 : 0;
  const onErrorWeight = limits.onErrors === true ? 1 : 0;
  const { root } = fc.letrec<{
    root: Shape;
    shape: Shape;
    chain: ChainShape;
    group: GroupShape;
    chord: ChordShape;
    dag: DagShape;
    when: WhenShape;
    map: MapShape;
    replace: ReplaceShape;
    onError: OnErrorShape;
  }>((tie) => ({
    // Mostly compositions at the top: a lone signature is one case, not a third of them.
    root: fc.oneof(
      { withCrossShrink: true },
      { weight: 1, arbitrary: signatureArbitrary },
      { weight: 3, arbitrary: tie('chain') },
      { weight: 3, arbitrary: tie('group') },
      { weight: 2, arbitrary: tie('chord') },
      { weight: 2, arbitrary: tie('dag') },
      { weight: 2, arbitrary: tie('when') },
      { weight: 2 * mapWeight, arbitrary: tie('map') },
      { weight: 2 * replaceWeight, arbitrary: tie('replace') },
      { weight: 2 * onErrorWeight, arbitrary: tie('onError') },
    ),
    // Signature first: fast-check falls back to the first arbitrary at maxDepth and shrinks towards it.
    shape: fc.oneof(
      { maxDepth: limits.maxDepth, depthSize: 'small', withCrossShrink: true },
      { weight: 3, arbitrary: signatureArbitrary },
      { weight: 2, arbitrary: tie('chain') },
      { weight: 2, arbitrary: tie('group') },
      { weight: 1, arbitrary: tie('chord') },
      { weight: 1, arbitrary: tie('dag') },
      { weight: 1, arbitrary: tie('when') },
      { weight: mapWeight, arbitrary: tie('map') },
      { weight: replaceWeight, arbitrary: tie('replace') },
      { weight: onErrorWeight, arbitrary: tie('onError') },
    ),
    chain: fc
      .array(tie('shape'), { minLength: 1, maxLength: 4 })
      .map((steps): ChainShape => ({ kind: 'chain', steps })),
    group: fc
      .record({ members: fc.array(tie('shape'), { maxLength: 3 }), asArray: fc.boolean() })
      .map(({ members, asArray }): GroupShape => ({ kind: 'group', members, asArray })),
    chord: fc
      .record({ header: fc.array(tie('shape'), { maxLength: 3 }), body: tie('shape'), headerAsGroup: fc.boolean() })
      .map(({ header, body, headerAsGroup }): ChordShape => ({ kind: 'chord', header, body, headerAsGroup })),
    when: fc
      .record({ predicate: signatureArbitrary, then: tie('shape'), otherwise: fc.option(tie('shape'), { nil: null }) })
      .map(({ predicate, then, otherwise }): WhenShape => ({ kind: 'when', predicate, then, otherwise })),
    map: fc
      .record({ arg: jsonArbitrary, element: tie('shape') })
      // An element with no task is refused at submit (a map's element must run something).
      .filter(({ element }) => countSignatureShapes(element) >= 1)
      .map(({ arg, element }): MapShape => ({ kind: 'map', arg, element })),
    replace: fc
      .record({ arg: jsonArbitrary, inner: tie('shape') })
      // A canvas with no task is refused (the node fails): the property is about valid ones.
      .filter(({ inner }) => countSignatureShapes(inner) >= 1)
      .map(({ arg, inner }): ReplaceShape => ({ kind: 'replace', arg, inner })),
    onError: fc
      .record({ element: tie('shape'), callback: tie('shape') })
      // A callback with no task is refused at submit, like any canvas with none.
      .filter(({ callback }) => countSignatureShapes(callback) >= 1)
      .map(({ element, callback }): OnErrorShape => ({ kind: 'onError', element, callback })),
    // Each node picks its parents among the nodes before it (seeds taken modulo its index).
    dag: fc
      .array(fc.record({ shape: tie('shape'), seeds: fc.array(fc.nat(7), { maxLength: 3 }) }), { minLength: 1, maxLength: 4 })
      .map((nodes): DagShape => ({
        kind: 'dag',
        nodes: nodes.map(({ shape, seeds }, index) => ({ shape, after: index === 0 ? [] : [...new Set(seeds.map((seed) => seed % index))] })),
      })),
  }));
  return root.filter((candidate) => {
    const count = countSignatureShapes(candidate);
    return count >= 1 && count <= limits.maxSignatures;
  });
}

export function countSignatureShapes(shape: Shape): number {
  switch (shape.kind) {
    case 'signature':
      return 1;
    case 'chain':
      return shape.steps.reduce((sum, step) => sum + countSignatureShapes(step), 0);
    case 'group':
      return shape.members.reduce((sum, member) => sum + countSignatureShapes(member), 0);
    case 'chord':
      return shape.header.reduce((sum, member) => sum + countSignatureShapes(member), countSignatureShapes(shape.body));
    case 'dag':
      // A node with several parents adds its collect.
      return shape.nodes.reduce((sum, node) => sum + countSignatureShapes(node.shape) + (node.after.length > 1 ? 1 : 0), 0);
    case 'when':
      return 1 + countSignatureShapes(shape.then) + (shape.otherwise ? countSignatureShapes(shape.otherwise) : 0);
    case 'map':
      return 1 + countSignatureShapes(shape.element);
    case 'replace':
      return 1 + countSignatureShapes(shape.inner);
    case 'onError': {
      // An element with no task gets no callback (it cannot fail).
      const element = countSignatureShapes(shape.element);
      return element === 0 ? 0 : element + countSignatureShapes(shape.callback);
    }
    default: {
      const never: never = shape;
      return never;
    }
  }
}

/** How many places a piece can be put in by `substitute` (every sub-canvas, the root included). */
export function countSlots(shape: Shape): number {
  switch (shape.kind) {
    case 'signature':
      return 1;
    case 'chain':
      return shape.steps.reduce((sum, step) => sum + countSlots(step), 1);
    case 'group':
      return shape.members.reduce((sum, member) => sum + countSlots(member), 1);
    case 'chord':
      return shape.header.reduce((sum, member) => sum + countSlots(member), 1 + countSlots(shape.body));
    case 'dag':
      return shape.nodes.reduce((sum, node) => sum + countSlots(node.shape), 1);
    case 'when':
      // The predicate is built in place (a substitution there could leave no task to decide).
      return 1 + countSlots(shape.then) + (shape.otherwise ? countSlots(shape.otherwise) : 0);
    case 'map':
      return 1 + countSlots(shape.element);
    case 'replace':
      // The inner canvas is built at run time, from data: no slot in it.
      return 1;
    case 'onError':
      return 1 + countSlots(shape.element) + countSlots(shape.callback);
    default: {
      const never: never = shape;
      return never;
    }
  }
}

/**
 * Replaces the sub-canvas at one slot (numbered depth first, root 0) while building. It is told
 * whether that place receives a parent value, as a signature put there would.
 */
export interface Substitution {
  readonly slot: number;
  readonly make: (receives: boolean) => { canvas: AnyCanvas; text: string };
}

/**
 * Builds the canvas a shape describes, with the public builders, and the code that builds it.
 * Each place is built knowing whether it receives a parent value: that decides how many
 * arguments a signature there binds, so that every generated signature passes submit's arity
 * checks. With a substitution, the sub-canvas at that slot is replaced by what it makes.
 */
export function buildCanvas(
  shape: Shape,
  env: BuildEnv,
  substitution: Substitution | null = null,
): { canvas: AnyCanvas; text: string } {
  let slot = 0;
  const build = (item: Shape, receives: boolean): { canvas: AnyCanvas; text: string } => {
    if (substitution && slot++ === substitution.slot) return substitution.make(receives);
    switch (item.kind) {
      case 'signature':
        return buildSignature(item, env, receives);
      case 'chain': {
        // Every step after the first receives the previous step's value (an empty group's is []).
        const steps = item.steps.map((step, index) => build(step, index === 0 ? receives : true));
        return { canvas: chain(...steps.map((step) => step.canvas)), text: `chain(${texts(steps)})` };
      }
      case 'group': {
        const members = item.members.map((member) => build(member, receives));
        const canvases = members.map((member) => member.canvas);
        return item.asArray
          ? { canvas: group(canvases), text: `group([${texts(members)}])` }
          : { canvas: group(...canvases), text: `group(${texts(members)})` };
      }
      case 'chord': {
        const header = item.header.map((member) => build(member, receives));
        const body = build(item.body, true);
        const canvases = header.map((member) => member.canvas);
        // chord()'s types check the body against the header's output; random canvases are
        // typed loosely (unknown in, unknown out), which that check cannot accept.
        const typedBody = body.canvas as never;
        return item.headerAsGroup
          ? { canvas: chord(group(canvases), typedBody), text: `chord(group(${texts(header)}), ${body.text})` }
          : { canvas: chord(canvases, typedBody), text: `chord([${texts(header)}], ${body.text})` };
      }
      case 'dag': {
        const g = dag();
        const handles: DagNode<unknown>[] = [];
        const lines: string[] = [];
        for (const { shape: nodeShape, after } of item.nodes) {
          // A node without parents receives the dag's input, one with parents receives their values.
          const built = build(nodeShape, after.length === 0 ? receives : true);
          const collect = env.tasks['prop.collect'];
          const node = after.length > 1 ? { canvas: chain(collect.s(), built.canvas as never), text: `chain(collect.s(), ${built.text})` } : built;
          const name = `n${handles.length}`;
          // Random canvases are typed loosely (unknown in and out), which add()'s check cannot accept.
          handles.push(after.length === 0 ? g.add(node.canvas as never) : g.add(node.canvas as never, { after: after.map((parent) => handles[parent]!) }));
          lines.push(`const ${name} = g.add(${node.text}${after.length === 0 ? '' : `, { after: [${after.map((parent) => `n${parent}`).join(', ')}] }`});`);
        }
        return { canvas: g, text: `(() => { const g = dag(); ${lines.join(' ')} return g; })()` };
      }
      case 'when': {
        const predicate = buildSignature(item.predicate, env, receives);
        const then = build(item.then, receives);
        const otherwise = item.otherwise ? build(item.otherwise, receives) : null;
        return otherwise
          ? { canvas: when(predicate.canvas, then.canvas, otherwise.canvas), text: `when(${predicate.text}, ${then.text}, ${otherwise.text})` }
          : { canvas: when(predicate.canvas, then.canvas), text: `when(${predicate.text}, ${then.text})` };
      }
      case 'replace': {
        const replaceWith = env.replaceWith;
        if (!replaceWith) throw new Error('buildCanvas: a replace shape needs env.replaceWith (withReplaceTask)');
        const inner = buildCanvas(item.inner, env);
        return {
          canvas: receives ? replaceWith.s(item.inner) : replaceWith.s(item.arg, item.inner),
          text: `replaceWith.s(${receives ? '' : `${JSON.stringify(item.arg)}, `}/* replace(${inner.text}) */)`,
        };
      }
      case 'onError': {
        const element = build(item.element, receives);
        // The callback receives the failure, as a chain step would its input.
        const callback = build(item.callback, true);
        return { canvas: element.canvas.onError(callback.canvas as never), text: `${element.text}.onError(${callback.text})` };
      }
      case 'map': {
        const items = env.tasks['prop.items'];
        const producer = receives ? items.s() : items.s(item.arg);
        const element = build(item.element, true);
        // Random canvases are typed loosely (unknown in and out), which map()'s check cannot accept.
        return {
          canvas: chain(producer, map(element.canvas as never) as never),
          text: `chain(items.s(${receives ? '' : JSON.stringify(item.arg)}), map(${element.text}))`,
        };
      }
      default: {
        const never: never = item;
        return never;
      }
    }
  };
  return build(shape, false);
}

function texts(parts: readonly { text: string }[]): string {
  return parts.map((part) => part.text).join(', ');
}

function buildSignature(shape: SignatureShape, env: BuildEnv, receives: boolean): { canvas: AnyCanvas; text: string } {
  const args = receives && !shape.immutable ? shape.args.slice(1) : shape.args;
  const name = shape.task.replace(/^prop\./, '');
  const shown = args.map((arg) => JSON.stringify(arg)).join(', ');
  const set = shape.options ? `.set(${JSON.stringify(shape.options)})` : '';
  if (shape.byName) {
    const made = env.app.signature(shape.task, args, { immutable: shape.immutable });
    const flags = shape.immutable ? ', { immutable: true }' : '';
    const text = `app.signature(${JSON.stringify(shape.task)}, [${shown}]${flags})${set}`;
    return { canvas: shape.options ? made.set(shape.options) : made, text };
  }
  const task = env.tasks[shape.task];
  const made = shape.immutable ? task.si(...args) : task.s(...args);
  return {
    canvas: shape.options ? made.set(shape.options) : made,
    text: `${name}.${shape.immutable ? 'si' : 's'}(${shown})${set}`,
  };
}

/** A shape that prints as the code building it when fast-check reports a counterexample. */
export function describedShape(shape: Shape, env: BuildEnv): Shape & fc.WithToStringMethod {
  return { ...shape, [fc.toStringMethod]: () => buildCanvas(shape, env).text };
}
