/**
 * The program the relation cases run: users, posts, comments and favourites (a join entity for
 * many-to-many), read as nested results, filtered and ordered through references, counted, and
 * all of it AS OF an instant. Every list is scoped by `tag` so cases do not see each other's rows.
 */
export const RELATIONS_PROGRAM = `
ENTITY User {
  tag: text INDEX
  name: text
  admin: bool DEFAULT false
  joined: datetime?
  posts: Post[] BY author
  favourites: Favourite[] BY user
}

ENTITY Post {
  tag: text INDEX
  title: text
  author: User?
  published: bool DEFAULT true
  meta: json?
  comments: Comment[] BY post
  favourites: Favourite[] BY post
}

ENTITY Comment {
  post: Post
  author: User
  body: text
  approved: bool DEFAULT true
}

ENTITY Favourite {
  user: User
  post: Post
}

POST /users { RESPOND 201 INSERT INTO User $body }
POST /posts { RESPOND 201 INSERT INTO Post $body }
POST /comments { RESPOND 201 INSERT INTO Comment $body }
POST /favourites { RESPOND 201 INSERT INTO Favourite $body }
PUT /users/:id/name { RESPOND UPDATE User SET name = $body.name WHERE id = $id }
DELETE /comments/:id { RESPOND DELETE FROM Comment WHERE id = $id }

GET /feed/:tag {
  RESPOND SELECT title, published, meta, author { name, admin, joined }, COUNT(comments) FROM Post WHERE tag = $tag ORDER_BY id
}
GET /feed/:tag/as-of/:t {
  RESPOND SELECT title, author { name }, comments { body ORDER_BY id }, COUNT(comments) FROM Post AS OF $t WHERE tag = $tag ORDER_BY id
}
GET /posts/:id {
  RESPOND SELECT title, author { name }, comments { body, author { name } WHERE approved ORDER_BY id DESC LIMIT 2 } FROM Post WHERE id = $id
}
GET /posts/:id/as-of/:t {
  RESPOND SELECT title, author { name }, comments { body, author { name } ORDER_BY id DESC } FROM Post AS OF $t WHERE id = $id
}
GET /users/:id/favourites {
  RESPOND SELECT name, favourites { post { title, author { name } } ORDER_BY id } FROM User WHERE id = $id
}
GET /users/:id/favourites/as-of/:t {
  RESPOND SELECT name, favourites { post { title } ORDER_BY id } FROM User AS OF $t WHERE id = $id
}
GET /tags/:tag/by-author/:name { RESPOND SELECT title FROM Post WHERE tag = $tag AND author.name = $name ORDER_BY id }
GET /tags/:tag/by-author/:name/as-of/:t { RESPOND SELECT title FROM Post AS OF $t WHERE tag = $tag AND author.name = $name ORDER_BY id }
GET /tags/:tag/joined-after { RESPOND SELECT title FROM Post WHERE tag = $tag AND author.joined > $query.since ORDER_BY id }
GET /tags/:tag/ordered-by-author { RESPOND SELECT title FROM Post WHERE tag = $tag ORDER_BY author.name DESC, id }
GET /tags/:tag/ordered-by-author/as-of/:t { RESPOND SELECT title FROM Post AS OF $t WHERE tag = $tag ORDER_BY author.name DESC, id }
GET /tags/:tag/favourited-by/:me { RESPOND SELECT title FROM Post WHERE tag = $tag AND EXISTS favourites(user = $me) ORDER_BY id }
GET /tags/:tag/favourited-by/:me/as-of/:t { RESPOND SELECT title FROM Post AS OF $t WHERE tag = $tag AND EXISTS favourites(user = $me) ORDER_BY id }
GET /tags/:tag/uncommented { RESPOND SELECT title FROM Post WHERE tag = $tag AND NOT EXISTS comments ORDER_BY id }
GET /tags/:tag/users { RESPOND SELECT name, COUNT(posts), COUNT(favourites) AS favs FROM User WHERE tag = $tag ORDER_BY id }
GET /tags/:tag/page { RESPOND SELECT title, author { name }, COUNT(comments) FROM Post WHERE tag = $tag ORDER_BY author.name DESC, id LIMIT 2 WITH TOTAL }
GET /tags/:tag/page/as-of/:t { RESPOND SELECT title, author { name }, COUNT(comments) FROM Post AS OF $t WHERE tag = $tag ORDER_BY author.name DESC, id LIMIT 2 WITH TOTAL }
GET /tags/:tag/pages { RESPOND SELECT title, comments { body ORDER_BY id } FROM Post WHERE tag = $tag ORDER_BY id LIMIT 2 AFTER $query.cursor }
GET /tags/:tag/count-by/:name { RESPOND { n: SELECT COUNT(*) FROM Post WHERE tag = $tag AND author.name = $name } }
GET /tags/:tag/commented { RESPOND SELECT published, COUNT(*) AS n FROM Post WHERE tag = $tag AND EXISTS comments GROUP_BY published ORDER_BY published }
GET /tags/:tag/labels { RESPOND SELECT title + "!" AS label, author { name } FROM Post WHERE tag = $tag ORDER_BY id }
GET /tags/:tag/users/as-of/:t { RESPOND SELECT name, COUNT(posts), COUNT(favourites) AS favs FROM User AS OF $t WHERE tag = $tag ORDER_BY id }
`;
