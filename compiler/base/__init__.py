"""The existing schema: base DDL, replay of a repository's migrations, Prisma's layout."""
