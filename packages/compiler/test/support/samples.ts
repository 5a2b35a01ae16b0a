/**
 * Valid Kova programs that together use every declaration, statement, query clause and
 * expression form. Shared by the schema test (each must validate), the parser tests (each must
 * parse cleanly) and the fuzz test (mutations of these are its most useful inputs).
 */
export const SAMPLES: Record<string, string> = {
  functions: `// FN, VIEW, FOR, comprehensions and the conditional forms (issue 13).
ENTITY Post {
  title: text
  views: int DEFAULT 0
  published: bool DEFAULT false
}

VIEW PostOut OF Post { title, views }

FN label(post: Post) {
  RETURN post.views BETWEEN 1 AND 10 ? "new" : "seen"
}

FN total(posts: Post[]) {
  sum_views = 0
  FOR post IN posts {
    sum_views = sum_views + post.views
  }
  RETURN sum_views
}

GET /posts {
  posts = SELECT * FROM Post ORDER_BY id
  RESPOND {
    titles: [label(p) FOR p IN posts IF p.published],
    total: total(posts),
    first: posts[0]?.title,
    out: SELECT PostOut FROM Post WHERE views BETWEEN 1 AND 100,
  }
}

GET /posts/total {
  task = SPAWN total(SELECT * FROM Post)
  RESPOND { total: AWAIT task }
}
`,
  users: `// A small users service.
CONNECT db USING postgres(env("DATABASE_URL"))

ENTITY User USING db {
  name: text
  email: email UNIQUE
  age: int?
  role: enum("admin", "member") DEFAULT "member"
  score: float INDEX DEFAULT 0
  code: text PRIMARY
}

ENTITY Post {
  title: text
  author: User ON DELETE CASCADE
  tags: text[]
  UNIQUE (title, author)
}

VALIDATE NewUser(unknown: "drop") {
  name: string(min: 1, max: 80)
  email: email
  age: int(min: 0)?
  tags: string[]
  address: {
    street: string
    zip: string(pattern: '^[0-9]{5}$')
  }?
}

GET /users {
  page = $query.page ?? 1
  users = SELECT id, name, email FROM User WHERE age >= 18 AND role != "admin" ORDER_BY name ASC, id DESC LIMIT 50 OFFSET (page - 1) * 50
  RESPOND users
}

GET /users/:id {
  user = SELECT * FROM User WHERE id = $id LIMIT 1
  IF user IS NULL {
    ERROR 404 "No user with id {$id}"
  }
  RESPOND user
}

POST /users VALIDATE NewUser {
  saved = INSERT INTO User { ...$body, role: "member" }
  RESPOND 201 saved HEADERS { location: "/users/{saved.id}" }
}

PUT /users/:id VALIDATE NewUser AUTH admin {
  UPDATE User SET $body WHERE id = $id
  RESPOND
}

PATCH /users/:id AUTH {
  UPDATE User SET name = $body.name, age = 36 WHERE id = $id
  RESPOND 204
}

DELETE /users/:id AUTH admin, owner {
  DELETE FROM User WHERE id = $id
  RESPOND 204
}

POST /users/:id(int)/sign-in QUERY { next: text DEFAULT "/" } {
  IF has($body.remember) {
    REDIRECT 303 "/users/{$id}" COOKIES { session: { value: $cookies.token, max_age: 7d } }
  }
  REDIRECT "/users/{$id}"
}

GET /users/sorted QUERY { sort: enum("name", "age") DEFAULT "name" } {
  RESPOND SELECT * FROM User ORDER_BY $query.sort IN [name, age] DESC, id LIMIT 10
}
`,

  history: `ENTITY Order { total: float  status: text  placed: timestamp }

GET /orders/:id/history {
  versions = HISTORY Order WHERE id = $id ORDER_BY placed DESC LIMIT 20 OFFSET 0
  RESPOND versions
}

GET /orders/at/:id {
  old = SELECT * FROM Order AS OF $query.at WHERE id = $id
  RESPOND old
}

POST /orders {
  SAVE $body INTO Order
  total = $body.items[0].price * 2 + 1_000 / 4 % 3
  IF total > 100 AND NOT ($body.coupon IS NOT NULL) {
    RESPOND 200 { total, discounted: false }
  } ELSE IF total < 0 || total == 0 {
    ERROR 422 "total must be positive"
  } ELSE {
    RESPOND { total: -total, items: [1, 2.5, 1e3, ...$body.items], none: null, yes: true, ...$body, -coupon }
  }
}
`,

  queries: `ENTITY Tag { name: text  slug: text UNIQUE }

GET /tags {
  q = $query.q ?? ""
  tags = SELECT * FROM Tag WHERE name LIKE "%{q}%" AND slug NOT LIKE "draft-%" AND id NOT IN [1, 2, 3] AND slug IN ["a", "b"]
  n = tags[0]
  RESPOND { tags, first: n, count: 3, header: $headers["x-api-key"], single: 'no {interpolation} here' }
}

DELETE /tags {
  DELETE FROM Tag
  RESPOND 204
}
`,

  softDelete: `ENTITY Ticket AUDIT SOFT DELETE {
  title: text
}

POST /tickets/:id/restore {
  RESPOND RESTORE Ticket WHERE id = $id
}

GET /bin {
  RESPOND SELECT * FROM Ticket ORDER_BY deleted_at DESC ONLY DELETED
}

GET /all {
  RESPOND SELECT * FROM Ticket WITH DELETED
}
`,
  identifier: `ENTITY Article PUBLIC ID uuid IDENTIFIER slug(title) {
  title: text
}

GET /articles/:identifier {
  RESPOND SELECT * FROM Article WHERE identifier = $identifier
}
`,

  readModel: `ENTITY Product SOFT DELETE {
  category: text
  price: float
}

/// One row per category.
READ MODEL ProductSummary FROM Product GROUP_BY category {
  category
  products: COUNT(*)
  total: SUM(price)
}

GET /summary {
  RESPOND SELECT * FROM ProductSummary ORDER_BY category
}
`,

  relations: `ENTITY Author {
  name: text
  books: Book[] BY author
}

ENTITY Book {
  title: text
  author: Author?
  reviews: Review[] BY book
}

ENTITY Review {
  book: Book
  stars: int
}

GET /books {
  RESPOND SELECT title, author { name }, reviews { stars WHERE stars > 2 ORDER_BY id DESC LIMIT 3 }, COUNT(reviews) AS n
    FROM Book WHERE author.name = $query.name AND EXISTS reviews(stars = 5) ORDER_BY author.name DESC
}
`,

  aggregates: `ENTITY Sale { region: text  item: text  qty: int  price: float }
GET /sales/count { RESPOND { n: SELECT COUNT(*) FROM Sale WHERE qty > 0 } }
GET /sales/regions {
  RESPOND SELECT region, COUNT(DISTINCT item) AS items, SUM(qty) AS units, AVG(price) AS avg
    FROM Sale GROUP_BY region HAVING COUNT(*) > 1 ORDER_BY units DESC
}
GET /sales/lines { RESPOND SELECT DISTINCT item AS name, qty * price AS total, region + "/" + item AS label FROM Sale }
GET /sales/page { RESPOND SELECT item, qty FROM Sale ORDER_BY qty DESC LIMIT 10 OFFSET $query.offset WITH TOTAL }
GET /sales/feed { RESPOND SELECT item FROM Sale ORDER_BY qty DESC LIMIT 10 AFTER $query.cursor }
`,
  imports: `IMPORT "./users.kova"
IMPORT { slugify, hash AS sha } FROM "./util.js"

ENTITY Article { title: text  slug: text }

POST /articles {
  a = INSERT INTO Article { title: $body.title, slug: slugify($body.title) }
  RESPOND 201 { id: a.id, digest: sha(a.slug), when: "now" }
}
`,

  tasks: `// TASK and ENQUEUE (issue 24).
ENTITY User {
  email: email
  welcomed: bool DEFAULT false
}

TASK sweep EVERY 10m {
  UPDATE User SET welcomed = false WHERE welcomed = true
}

TASK nightly CRON "0 3 * * *" TZ "Europe/Paris" {
  DELETE FROM User WHERE welcomed = false
}

TASK send_welcome(user: User) WITH {
  attempts: 3
  backoff: 1s
  timeout: 30s
  concurrency: 2
  priority: 5
} {
  UPDATE User SET welcomed = true WHERE id = user.id
}

POST /users/:id/welcome {
  user = SELECT * FROM User WHERE id = $id
  ENQUEUE send_welcome(user) DELAY 5m KEY "welcome:{user.id}"
  ENQUEUE sweep()
  RESPOND 202
}
`,

  actions: `// ACTION, EVENT, EMIT and ON event (issue 21).
ENTITY Order {
  status: text DEFAULT "open"
}

EVENT order_shipped {
  order: int
  tracking: text?
}

ACTION ship(order: Order, code: text(min: 3)) {
  shipped = UPDATE Order SET status = "shipped" WHERE id = order.id
  EMIT order_shipped { order: order.id, tracking: code }
  RETURN shipped
}

POST /orders/:id(int)/ship {
  RESPOND ship($id, "TRK-1")
}

ON order_shipped WITH { attempts: 2 } {
  _seen = event.order
}
`,
  realtime: `// ON handlers, SOCKET rooms, SEND and STREAM (issue 15).
ENTITY Post { title: text }

ON INSERT Post {
  x = event.id
}

SOCKET /chat/:room {
  ON CONNECT {
    JOIN room($room)
  }
  ON MESSAGE(msg) {
    SEND msg
    BROADCAST TO room($room) msg
  }
}

GET /news {
  STREAM news
}

GET /live {
  STREAM LIVE SELECT * FROM Post
}
`,
  reserved: `CACHE users_cache {
  key: "user:{$id}"
  ttl: 60
  get: SELECT * FROM User WHERE id = $id
}

SOCKET /chat {
  ON CONNECT { RESPOND "hi" }
  ON MESSAGE(msg) { BROADCAST msg }
  ON DISCONNECT { }
}

TASK digest EVERY 10m {
  users = SELECT * FROM User
}

TASK cleanup CRON "0 3 * * *" {
  DELETE FROM Session WHERE expires < 30s
}

AUTH jwt USING secret(env("JWT_KEY")) { expire: "1h" }

WORKER mailer {
  x = env("SMTP_HOST", "localhost")
}
`,

  security: `RATE_LIMIT 1000 PER 1h BY ip

CORS {
  origins: ["https://app.example.com", env("EXTRA_ORIGINS", "")]
  methods: ["GET", "POST"]
  headers: ["content-type", "x-api-key"]
  expose: ["x-request-id"]
  credentials: true
  max_age: 10m
}

POST /login RATE_LIMIT 5 PER 1m BY header("x-api-key") {
  RESPOND 200 { ok: true }
}
`,

  "api.test": `// API versions and tests (issue 22); TESTs check only in *.test.kova files.
ENTITY Todo { title: text }

API v1 DEPRECATED "2026-01-01" SUNSET "2027-01-01" {
  GET /todos {
    RESPOND SELECT * FROM Todo
  }
}

TEST "lists todos" {
  INSERT INTO Todo { title: "milk" }
  r = GET /v1/todos HEADERS { accept: "application/json" }
  EXPECT r.status == 200
  created = POST "/v1/todos/{r.body[0].id}" { title: "x" }
  EXPECT (GET /v1/todos).body.length >= 1
}
`,
  literals: `GET /literals {
  a = 500ms
  b = 30s + 10m + 1h + 7d
  c = "tab\\tnewline\\nquote\\"brace\\{ unicode \\u{1F600} \\u00e9"
  d = "nested {"a" + "{b}"} end"
  e = 'single \\' quote'
  f = NULL
  g = -(-1)
  h = !true
  i = x.y.z[0][1]
  j = f(2)
  RESPOND { a, b, c, d, e, f, g, h, i, j }
}
`,

  crlf: "ENTITY Note {\r\n  body: text\r\n}\r\n\r\nGET /notes {\r\n  RESPOND SELECT * FROM Note\r\n}\r\n",
};
