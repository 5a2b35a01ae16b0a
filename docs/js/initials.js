// A JavaScript function the IMPORT example of docs/language.md calls: "Ada Lovelace" → "AL".
export function initials(name) {
  return String(name)
    .split(/\s+/)
    .filter((word) => word !== "")
    .map((word) => word[0].toUpperCase())
    .join("");
}
