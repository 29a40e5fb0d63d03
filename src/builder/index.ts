// The builder's frontend and build-context handling: pure libraries the
// executor (POST /build, `berth build`) drives. No engine, image store or
// runtime dependency; the only I/O is on the build context and, in
// applyCopy, on the rootfs directory it is given.
//
// ## How the executor uses it
//
// 1. Context (daemon side of POST /build):
//      const ctx = await indexContext(body, { spoolDir: `${dataRoot}/tmp` })
//        // the tar (plain/gzip/bzip2/xz/zstd) indexed in memory: names confined,
//        // every file hashed while it streams in; nothing written to disk
//        // (extractContext(body, dir) unpacks to disk instead; both are a `Context`)
//      const df = readContextDockerfile(ctx, query.dockerfile || 'Dockerfile')
//        // "Cannot locate specified Dockerfile: x", "the Dockerfile (x) cannot be empty"
//      dropIgnoredBuildFiles(ctx, df.name)   // as Docker's daemon: hide excluded build files
//      … ctx.close() when the build ends (drops the spool file, if any).
//    Client side (`berth build DIR`, from src/common/buildcontext, shared with the
//    CLI): readIgnorePatterns(dir, dockerfile) ->
//    keepBuildFiles(patterns, dockerfileRel) -> new IgnoreMatcher(...) ->
//    listContext(dir, matcher) gives the entries to send (excluded directories
//    are pruned unless an exception could re-include something below them).
//
// 2. Plan:
//      const plan = planDockerfile(df.text, { buildArgs, target, platform, labels, contexts }, df.name)
//        // contexts: --build-context names -> {image: ref} | {local} (FROM / COPY --from use them first)
//    Errors are DockerfileError (400, "Dockerfile:12: unknown instruction: FOO").
//    plan.stages are the stages to build, in order: the target and, transitively,
//    what it needs through FROM <stage> and COPY --from. plan.totalSteps counts
//    the `Step n/m : <text>` lines: plan.metaArgs (global ARGs, printed only),
//    then per stage its FROM (stage.from.text) and each command's text.
//
// 3. Per stage:
//      stage.base is {scratch} | {stage: i} (the image an earlier stage produced)
//      | {image: ref} (pull when missing, for stage.platform ?? plan.targetPlatform);
//      stage.copyFromImages are images COPY --from names (pull them too).
//      const st = new StageState(plan, stage)
//      const triggers = st.begin({ config: baseImage?.config.config })  // parsed ONBUILD triggers
//      for (const c of [...triggers, ...stage.commands]) { const step = st.resolve(c); … }
//    ("# Executing N build trigger(s)" before the triggers, as Docker prints.)
//    resolve() expands variables (ENV first, then the build args the stage
//    declared), applies the instruction to the image config and says what to do:
//      'meta'    commit step.config with history {created_by: step.createdBy,
//                empty_layer: true}; no container, no layer (ENV, LABEL, CMD, ARG, …).
//      'run'     run step.args (the image ENTRYPOINT is not used) with step.env,
//                step.user, step.workdir, no healthcheck, the build's network mode,
//                step.scripts mounted read-only (heredoc bodies starting with #!);
//                the rw layer's changes become the layer; created_by = step.createdBy
//                ("|1 A=v /bin/sh -c cmd": build args are in the cache key, never in
//                the image's Env). Non-zero exit: "The command '<args joined by
//                space>' returned a non-zero code: N"; the partial image is not tagged.
//      'workdir' mkdir -p step.path (root, 0755) in the image; a layer only if created.
//      'copy'    sources from the context, or from spec.from (a stage result / an
//                image rootfs, as a DiskFS): infos = resolveSources(tree, spec.sources
//                minus URLs, {cmd, context, destIsDir: spec.destIsDir, otherSources});
//                ADD URLs (isRemoteSource) are downloaded by the executor.
//                owner = --chown ? resolveChown(spec.chown, <rootfs /etc/passwd>, <…/group>)
//                : undefined (root), or the sources' own (spec.preserveOwnership).
//                sum = combineChecksums([await checksumSources(infos, {owner, chmod,
//                preserveOwnership}), ...heredocs via hashData]); step.history(sum) gives
//                created_by and the cache key. On a cache miss:
//                applyCopy(mergedRootfs, spec, infos, spec.contents, {owner, chmod,
//                preserveOwnership, allowDecompress}) then commit the rw layer.
//    Cache: reuse a step when (parent image ID, step.cacheKey) matches a cached
//    one; for 'copy' the key comes from history(sum), covering the sources'
//    names, data, modes and owners. Metadata steps are cached too (their image
//    IDs must not change on a rebuild).
//
// 4. After the last stage: unusedBuildArgsWarning(plan) is Docker's
//    "[Warning] One or more build-args [X] were not consumed" line.
//
//    RUN --mount (step.mounts: expanded, defaults applied, `from` resolved as
//    COPY --from) is in step.cacheKey; the executor adds what bind mounts show
//    (context checksum / source image ID), never a cache's or secret's contents.
//
// Deliberate choices: `# syntax=docker/dockerfile:1[.x][-labs]` is this
// frontend (nothing pulled), another frontend is an error naming it; RUN
// --mount (bind, cache, tmpfs, secret, ssh), RUN --network=none|host|default
// and RUN --security=insecure (privileged, only when the build is given
// --allow security.insecure), COPY/ADD --exclude (context/exclude.ts),
// --link (a layer made on an empty root), COPY --parents (sources keep their
// directories up to a `/./` pivot), --chmod octal or symbolic
// (plan/chown.ts), ADD --checksum (downloads; a git source's commit) and ADD
// of a git URL (#ref[:subdir], --keep-git-dir: the executor clones it) are
// supported on the classic builder, as is ADD --unpack; RUN --device fails
// with Docker's "the --device option requires BuildKit" error; heredocs are
// supported (BuildKit semantics) although the classic builder lacks them; only the stages the target needs are built,
// independent ones in parallel (BuildKit), where the classic builder builds
// every stage up to the target, one after the other.

export { DockerfileError, type Location } from './dockerfile/errors';
export { ShellLex, ExpandError, envFromList, type Env } from './dockerfile/expand';
export { parseDockerfile, parseHeredocWord, chompHeredocContent, type Node, type Heredoc, type ParseResult, type Directives } from './dockerfile/parser';
export {
  toInstructions,
  parseInstruction,
  type Instruction,
  type Command,
  type Instructions,
  type ParsedStage,
  type FromInstruction,
  type CopyInstruction,
  type AddInstruction,
  type RunInstruction,
} from './dockerfile/instructions';
export { BuildArgs, BUILTIN_ARGS, unusedArgsWarning } from './plan/buildargs';
export { parsePlatform, formatPlatform, hostPlatform, platformArgs, type Platform } from './plan/platform';
export {
  planBuild,
  planDockerfile,
  resolveCopyFrom,
  unusedBuildArgs,
  unusedBuildArgsWarning,
  type BuildOptions,
  type BuildPlan,
  type StagePlan,
  type BaseRef,
  type CopySource,
  type NamedContext,
} from './plan/planner';
export {
  StageState,
  type BaseImage,
  type ResolvedStep,
  type MetaStep,
  type RunStep,
  type WorkdirStep,
  type CopyStep,
  type CopySpec,
  type InlineScript,
} from './plan/stage';
export { resolveChown, parseChmod, applyChmod, chownNeedsLookup, ChownError, type Identity, type ChmodSpec } from './plan/chown';
export { parseExposeSpec } from './plan/ports';
export { DEFAULT_SHELL, DEFAULT_PATH } from './plan/history';
export { IgnoreMatcher, parseIgnoreFile, keepBuildFiles, cleanPath, type MatchState } from '../common/buildcontext/ignore';
export { listContext, readIgnorePatterns, type ContextEntry } from '../common/buildcontext/walk';
export {
  extractContext,
  indexContext,
  readContextDockerfile,
  dropIgnoredBuildFiles,
  contextIgnorePatterns,
  type BuildContext,
  type Context,
} from './context/extract';
export { ContextIndex, type IndexOptions } from './context/tarindex';
export { DiskFS, resolveIn, type SourceFS, type FileInfo, type FileType } from './context/fs';
export {
  resolveSources,
  globSources,
  normalizeSource,
  isRemoteSource,
  isGitSource,
  escapesRoot,
  type SourceInfo,
  type ResolveOptions,
} from './context/sources';
export { hashSource, hashData, checksumSources, combineChecksums, type ChecksumOptions } from './context/checksum';
export { isArchiveFile, isArchiveStream, isTarHeader } from '../common/buildcontext/archive';
export { applyCopy, ensureDir, type CopyOptions, type CopyDest } from './context/copy';
export { goMatch, hasWildcards } from '../common/buildcontext/glob';
