/** Sends a GraphQL multipart request (the upload protocol) with the files under `variables.files`. */
export async function uploadFiles(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  files: readonly { name: string; data: Buffer }[],
): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables: { ...variables, files: files.map(() => null) } }));
  form.append('map', JSON.stringify(Object.fromEntries(files.map((_, i) => [String(i), [`variables.files.${i}`]]))));
  files.forEach((f, i) => form.append(String(i), new Blob([new Uint8Array(f.data)]), f.name));
  const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  return { status: res.status, body: (await res.json()) as never };
}
