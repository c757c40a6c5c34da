-- A minimal base schema for this case: tags need a NOT NULL colour, and
-- a NOT NULL reference to a board, which is not the user's one row (a user
-- may own many boards), so nothing can set either on insert.
CREATE TABLE users (
  id uuid PRIMARY KEY,
  email varchar(255) NOT NULL
);

CREATE TABLE boards (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE tags (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  board_id bigint NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
  label text NOT NULL,
  colour text NOT NULL
);
