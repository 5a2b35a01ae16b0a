// The chat's page and its script, served by GET / and GET /chat.js in app.kova. They live in this
// module (not in files beside it) because kova build copies imported modules into dist/, and the
// built app must run from there alone. The script uses no template literals, so it fits in one here.

export function page() {
  return PAGE;
}

export function script() {
  return SCRIPT;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Kova chat</title>
  <style>
    body { font: 16px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
    #log { list-style: none; padding: 0; border: 1px solid #ccc; height: 20rem; overflow-y: auto; }
    #log li { padding: .25rem .5rem; }
    #log li.notice { color: #777; font-style: italic; }
    form { display: flex; gap: .5rem; margin-top: .5rem; }
    #text { flex: 1; }
  </style>
</head>
<body>
  <h1>Kova chat</h1>
  <form id="join">
    <input id="name" placeholder="your name" required maxlength="40">
    <input id="room" placeholder="room" value="general" required>
    <button>Join</button>
  </form>
  <p id="status">Not connected.</p>
  <p>Here: <span id="members">nobody</span></p>
  <ul id="log"></ul>
  <form id="send">
    <input id="text" placeholder="say something" required maxlength="500" autocomplete="off">
    <button>Send</button>
  </form>
  <script src="/chat.js"></script>
</body>
</html>
`;

const SCRIPT = `// The chat client: one WebSocket per room. Frames with a "kova" member come from the runtime
// (presence, join, leave, error); the others are the app's own messages (history, message).
const $ = (id) => document.getElementById(id);
let socket = null;
let members = new Map();

function line(text, notice = false) {
  const item = document.createElement("li");
  item.textContent = text; // text, never HTML: a message cannot inject markup
  if (notice) item.className = "notice";
  $("log").append(item);
  $("log").scrollTop = $("log").scrollHeight;
}

function showMembers() {
  $("members").textContent = members.size === 0 ? "nobody" : members.size + " connected";
}

$("join").addEventListener("submit", (event) => {
  event.preventDefault();
  socket?.close();
  $("log").replaceChildren();
  members = new Map();
  const room = encodeURIComponent($("room").value);
  socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat/" + room);
  socket.addEventListener("open", () => ($("status").textContent = "Connected to " + $("room").value + "."));
  socket.addEventListener("close", () => ($("status").textContent = "Disconnected."));
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.kova === "presence") for (const m of frame.members) members.set(m.id, m);
    else if (frame.kova === "join") members.set(frame.member.id, frame.member);
    else if (frame.kova === "leave") members.delete(frame.member.id);
    else if (frame.kova === "error") line("error: " + frame.message, true);
    else if (frame.kind === "history") for (const m of frame.messages.reverse()) line(m.name + ": " + m.text);
    else if (frame.kind === "message") line(frame.name + ": " + frame.text);
    showMembers();
  });
});

$("send").addEventListener("submit", (event) => {
  event.preventDefault();
  if (socket?.readyState !== WebSocket.OPEN) return line("join a room first", true);
  socket.send(JSON.stringify({ name: $("name").value, text: $("text").value }));
  $("text").value = "";
});
`;
