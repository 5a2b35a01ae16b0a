// A JavaScript helper imported by app.kova (IMPORT { slugify } FROM "./slug.js").

/** "Hello, World!" → "hello-world": lower case, ASCII letters and digits joined by single dashes. */
export function slugify(title) {
  const slug = String(title)
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug === "" ? "post" : slug.slice(0, 200).replace(/-+$/, "");
}
