// Legacy links (`--link name:alias`) as written in HostConfig.Links and EndpointSettings.Links.
/** HostConfig.Links entries ("db", "db:alias", "/db:/web/alias") as target name and alias. */
export function parseLinks(links: string[] | null | undefined): Array<{ name: string; alias: string }> {
  return (links ?? []).map((l) => {
    const i = l.indexOf(':');
    const name = (i < 0 ? l : l.slice(0, i)).replace(/^\//, '');
    const alias =
      i < 0
        ? name
        : l
            .slice(i + 1)
            .split('/')
            .pop()!;
    return { name, alias };
  });
}
