// A small well-formedness check for the SVG charts (tags balanced, attributes quoted, no stray
// '&' or '<' in text), so the tests need no XML parser package.

/** Returns undefined when `xml` is well-formed, else what is wrong. */
export function xmlProblem(xml: string): string | undefined {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let roots = 0;
  for (let m = tag.exec(body); m !== null; m = tag.exec(body)) {
    const text = body.slice(last, m.index);
    if (/[<>]/.test(text)) return `unexpected markup before offset ${m.index}: ${JSON.stringify(text.slice(0, 40))}`;
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(text)) return `bare & in text near offset ${m.index}`;
    last = tag.lastIndex;
    const [, close, name, , selfClose] = m;
    if (close) {
      if (stack.pop() !== name) return `</${name}> does not close the open element`;
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    } else if (stack.length === 0) roots++;
  }
  if (body.slice(last).trim() !== '') return 'text after the root element';
  if (stack.length > 0) return `unclosed <${stack[stack.length - 1]}>`;
  if (roots !== 1) return `${roots} root elements`;
  return undefined;
}
