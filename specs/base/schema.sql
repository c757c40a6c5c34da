-- The tables that already exist in Project Valine (PostgreSQL), as specc's
-- starting point. specc parses this file with sqlglot; specs may reference
-- these tables and columns, and may only add to them.

CREATE TABLE users (
  id uuid PRIMARY KEY,
  email varchar(255) NOT NULL,
  username varchar(50) NOT NULL,
  display_name varchar(100),
  social_links jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE UNIQUE INDEX users_username_key ON users (username);

CREATE TABLE posts (
  id uuid PRIMARY KEY,
  author_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  content text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX posts_author_id_idx ON posts (author_id);

CREATE TABLE profile_views (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  profile_user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  viewer_user_id uuid REFERENCES users (id) ON DELETE SET NULL,
  viewed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX profile_views_profile_user_id_viewed_at_idx ON profile_views (profile_user_id, viewed_at);

CREATE TABLE post_likes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX post_likes_post_id_created_at_idx ON post_likes (post_id, created_at);

CREATE TABLE post_comments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  post_id uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  author_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX post_comments_post_id_created_at_idx ON post_comments (post_id, created_at);
