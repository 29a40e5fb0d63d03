// images: the image each of the project's containers uses, as Compose v5
// lists them (cmd/compose/images.go): repository and tag from the container's
// image reference, the image's platform, human size and age; `--format json`
// is Compose's array (full IDs, RFC3339 times) followed by an empty line.
import type { ApiClient } from '../../../client/api';
import { parseReference } from '../../../common/reference';
import { humanSize } from '../../../util/humansize';
import { humanDuration } from '../../../util/time';
import { byteOrder } from '../../../util/compare';
import { ComposeError, nameOf, projectContainers, type ContainerSummary } from '../../engine/project';
import type { ComposeCommand } from '../command';
import { projectName } from '../context';
import { prettySection } from '../pretty';

interface ImageSummary {
  container: string;
  id: string;
  repository: string;
  tag: string;
  platform: string;
  size: number;
  created?: string;
  lastTagTime?: string;
}

/** Repository and tag as reference.ParseDockerRef + FamiliarName give them (nothing for an image ID). */
function repoTag(image: string): { repository: string; tag: string } {
  if (/^[a-z0-9]+:[0-9a-f]{32,}$/.test(image)) return { repository: '', tag: '' };
  try {
    const r = parseReference(image);
    return { repository: r.repo, tag: r.digest ? '' : (r.tag ?? 'latest') };
  } catch {
    return { repository: '', tag: '' };
  }
}

/** containerd's platforms.Format: "unknown" without an OS. */
const platformOf = (os?: string, arch?: string, variant?: string): string => (os ? [os, arch, variant].filter(Boolean).join('/') : 'unknown');

const ZERO = '0001-01-01T00:00:00Z';

async function summary(api: ApiClient, c: ContainerSummary): Promise<ImageSummary> {
  const { repository, tag } = repoTag(c.Image);
  const img = await api.get(`/images/${encodeURIComponent(c.Image)}/json`).catch((e) => (e.status === 404 ? undefined : Promise.reject(e)));
  if (!img) return { container: nameOf(c), id: c.ImageID, repository, tag, platform: 'unknown', size: 0 };
  return {
    container: nameOf(c),
    id: img.Id,
    repository,
    tag,
    platform: platformOf(img.Os, img.Architecture, img.Variant),
    size: img.Size ?? 0,
    created: img.Created || undefined,
    lastTagTime: img.Metadata?.LastTagTime && img.Metadata.LastTagTime !== ZERO ? img.Metadata.LastTagTime : undefined,
  };
}

export const imagesCommand: ComposeCommand = {
  name: 'images',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'List images used by the created containers',
  flags: [
    { long: 'format', kind: 'string', help: 'Format the output. Values: [table | json]', def: 'table' },
    { long: 'quiet', short: 'q', kind: 'bool', help: 'Only display IDs' },
  ],
  async run(cc, f, args) {
    const api = await cc.api();
    const cs = await projectContainers(api, await projectName(cc), { all: true, oneOff: true, services: args.length ? args : undefined });
    const images = (await Promise.all(cs.map((c) => summary(api, c)))).sort((a, b) => byteOrder(a.container, b.container));
    if (f.bool('quiet')) {
      cc.cli.out([...new Set(images.map((i) => i.id.slice(i.id.indexOf(':') + 1)))].map((x) => x + '\n').join(''));
      return;
    }
    const format = f.str('format').toLowerCase();
    if (format === 'json') {
      const list = images.map((i) => ({
        ID: i.id,
        ContainerName: i.container,
        Repository: i.repository,
        Tag: i.tag,
        Platform: i.platform,
        Size: i.size,
        ...(i.created ? { Created: i.created } : {}),
        ...(i.lastTagTime ? { LastTagTime: i.lastTagTime } : {}),
      }));
      // Go's encoder ends the array with a newline, then Compose prints one more
      cc.cli.out(`${list.length ? JSON.stringify(list) : 'null'}\n\n`);
      return;
    }
    if (format !== 'table' && format !== 'pretty' && format !== '')
      throw new ComposeError(`format value ${JSON.stringify(f.str('format'))} could not be parsed: parsing failed`);
    cc.cli.out(
      prettySection(
        ['CONTAINER', 'REPOSITORY', 'TAG', 'PLATFORM', 'IMAGE ID', 'SIZE', 'CREATED'],
        images.map((i) => [
          i.container,
          i.repository || '<none>',
          i.tag || '<none>',
          i.platform,
          i.id.replace(/^sha256:/, '').slice(0, 12),
          humanSize(i.size, 3),
          i.created ? `${humanDuration(Date.now() - Date.parse(i.created))} ago` : 'N/A',
        ]),
      ),
    );
  },
};
