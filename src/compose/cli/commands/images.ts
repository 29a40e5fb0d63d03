// images: the images the project's containers use.
import { renderRows } from '../../../cli/format';
import { nameOf, projectContainers } from '../../engine/project';
import type { ComposeCommand } from '../command';
import { projectName } from '../context';

export const imagesCommand: ComposeCommand = {
  name: 'images',
  usage: '[OPTIONS] [SERVICE...]',
  summary: 'List images used by the created containers',
  flags: [{ long: 'quiet', short: 'q', kind: 'bool', help: 'Only display IDs' }],
  async run(cc, f, args) {
    const api = await cc.api();
    const cs = await projectContainers(api, await projectName(cc), { all: true, services: args.length ? args : undefined });
    const rows = [];
    for (const c of cs) {
      const img = await api.get(`/images/${c.ImageID}/json`).catch(() => undefined);
      const tag = (img?.RepoTags?.[0] as string | undefined) ?? '<none>:<none>';
      const i = tag.lastIndexOf(':');
      rows.push({
        Container: nameOf(c),
        Repository: tag.slice(0, i),
        Tag: tag.slice(i + 1),
        ID: c.ImageID.replace('sha256:', '').slice(0, 12),
        Size: String(img?.Size ?? 0),
      });
    }
    if (f.bool('quiet')) cc.cli.out([...new Set(rows.map((r) => r.ID))].map((x) => x + '\n').join(''));
    else
      cc.cli.out(
        renderRows('table', rows, {
          defaultTable: 'table {{.Container}}\t{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}',
          headers: { Container: 'CONTAINER', Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', Size: 'SIZE' },
        }),
      );
  },
};
