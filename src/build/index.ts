// The builder's frontend and build-context handling: pure libraries the
// executor (POST /build, `berth build`) drives. No I/O here except reading the
// build context.
//
// ## How the executor uses it
//
// 1. Context (daemon side of POST /build):
//      const ctx = await extractContext(body, `${dataRoot}/tmp`)   // confined unpack, any compression
//      const df  = readContextDockerfile(ctx.dir, query.dockerfile) // "Cannot locate specified Dockerfile: x"
//      dropIgnoredBuildFiles(ctx.dir, df.name)                      // as Docker's daemon: hide excluded build files
//    (Client side, `berth build DIR`: readIgnorePatterns + keepBuildFiles +
//    new IgnoreMatcher + listContext give the entries to send.)
//
// 2. Plan:
//      const plan = planDockerfile(df.text, { buildArgs, target, platform, labels }, df.name)
//    Errors are DockerfileError (400, "Dockerfile:12: unknown instruction: FOO").
//    plan.stages are the stages to build, in order (the target and, transitively,
//    the stages it needs through FROM <stage> and COPY --from); plan.totalSteps
//    counts the `Step n/m` lines: first plan.metaArgs (global ARGs: print only),
//    then per stage its FROM (stage.from.text) and each command's text.
//
// 3. Per stage:
//      base: stage.base is {scratch} | {stage: i} (the result of a stage built
//      earlier) | {image: ref} (pull when missing, for stage.platform or
//      plan.targetPlatform). stage.copyFromImages are images COPY --from needs.
//      const st = new StageState(plan, stage)
//      const triggers = st.begin({ config: baseImage.config.config })  // parsed ONBUILD triggers
//      for (const c of [...triggers, ...stage.commands]) { const step = st.resolve(c); … }
//    resolve() expands variables (ENV first, then the build args the stage
//    declared), updates the image config and returns what to do:
//      'meta'    commit step.config as a new image, history {created_by: step.createdBy,
//                empty_layer: true}; no container, no layer.
//      'run'     run step.args (no ENTRYPOINT) with step.env, step.user, step.workdir
//                and step.scripts mounted read-only (heredoc scripts with a #! line),
//                no healthcheck, the build's network mode; the rw layer's changes
//                become a layer; history created_by = step.createdBy
//                ("|1 A=v /bin/sh -c cmd": build args in the cache key, never in Env).
//                A non-zero exit: "The command '<args joined>' returned a non-zero code: N".
//      'workdir' mkdir -p step.path (root, 0755) in the image; a layer only if created.
//      'copy'    resolveSources(root, spec.sources, …) where root is the context dir,
//                or the rootfs of spec.from (a stage result / an image); ADD URLs
//                (isRemoteSource) are downloaded (mode 0600, name from the URL path).
//                Owner: resolveChown(spec.chown, <image /etc/passwd>, <…/group>)
//                when --chown, else root, else (COPY --from) the source's own.
//                Then checksumSources(infos, {owner, chmod, preserveOwnership})
//                (+ hashData for heredoc files) -> combineChecksums -> step.history(sum)
//                gives created_by and the cache key. Copy semantics: a directory source
//                copies its contents into dest; a file goes to dest, or dest/<basename>
//                when spec.destIsDir or dest is an existing directory; missing parent
//                directories are created; ADD extracts local archives (isArchiveFile)
//                into dest when spec.allowDecompress.
//    Cache: a step is reused when (parent image ID, step.cacheKey) matches a cached
//    step; for copy steps the cacheKey comes from history(sum), so it covers the
//    sources' content, modes and owners.
//
// 4. After the last stage: unusedBuildArgsWarning(plan) is Docker's
//    "[Warning] One or more build-args [X] were not consumed" line.

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
export { resolveChown, parseChmod, chownNeedsLookup, ChownError, type Identity } from './plan/chown';
export { parseExposeSpec } from './plan/ports';
export { DEFAULT_SHELL, DEFAULT_PATH } from './plan/history';
export { IgnoreMatcher, parseIgnoreFile, keepBuildFiles, cleanPath, type MatchState } from './context/ignore';
export { listContext, readIgnorePatterns, type ContextEntry } from './context/walk';
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
export { resolveSources, globSources, normalizeSource, isRemoteSource, escapesRoot, type SourceInfo, type ResolveOptions } from './context/sources';
export { hashSource, hashData, checksumSources, combineChecksums, type ChecksumOptions } from './context/checksum';
export { isArchiveFile, isArchiveStream, isTarHeader } from './context/archive';
export { applyCopy, ensureDir, type CopyOptions, type CopyDest } from './context/copy';
export { goMatch, hasWildcards } from './context/glob';
