-- The tables that already exist, as specc's starting point: read with
-- `specc import-base --prisma-schema` from:
--   prisma/schema.prisma
-- Regenerate it rather than editing it by hand.

CREATE TYPE "RequestStatus" AS ENUM ('PENDING', 'APPROVED', 'DENIED');

CREATE TYPE "Visibility" AS ENUM ('PUBLIC', 'FOLLOWERS_ONLY');

CREATE TABLE users (
  id text PRIMARY KEY,
  username text NOT NULL,
  email text NOT NULL,
  "normalizedEmail" text NOT NULL,
  "emailVerified" boolean NOT NULL DEFAULT false,
  "emailVerifiedAt" timestamp(3),
  "passwordHash" text NOT NULL,
  "displayName" text,
  bio text,
  avatar text,
  name text,
  role text NOT NULL DEFAULT 'artist',
  status text NOT NULL DEFAULT 'active',
  theme text DEFAULT 'light',
  "onboardingComplete" boolean NOT NULL DEFAULT false,
  "twoFactorEnabled" boolean NOT NULL DEFAULT false,
  "twoFactorSecret" text,
  phone text,
  "phoneVerified" boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL,
  "profileComplete" boolean NOT NULL DEFAULT false
);

CREATE UNIQUE INDEX users_username_key ON users (username);

CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE UNIQUE INDEX "users_normalizedEmail_key" ON users ("normalizedEmail");

CREATE INDEX users_email_idx ON users (email);

CREATE INDEX "users_normalizedEmail_idx" ON users ("normalizedEmail");

CREATE INDEX users_username_idx ON users (username);

CREATE INDEX users_status_idx ON users (status);

CREATE INDEX "users_createdAt_idx" ON users ("createdAt");

CREATE INDEX users_onboardingcomplete_idx ON users ("onboardingComplete");

CREATE INDEX users_profilecomplete_idx ON users ("profileComplete");

CREATE TABLE profiles (
  id text PRIMARY KEY,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "vanityUrl" text NOT NULL,
  headline text,
  bio text,
  title text,
  "bannerUrl" text,
  roles text[],
  tags text[],
  "availabilityStatus" text,
  location jsonb,
  privacy jsonb NOT NULL DEFAULT '{}',
  "socialLinks" jsonb,
  "budgetMin" integer,
  "budgetMax" integer,
  pronouns text,
  "showPronouns" boolean NOT NULL DEFAULT true,
  "showLocation" boolean NOT NULL DEFAULT true,
  "showAvailability" boolean NOT NULL DEFAULT true,
  visibility text NOT NULL DEFAULT 'PUBLIC',
  "messagePermission" text NOT NULL DEFAULT 'EVERYONE',
  "isSearchable" boolean NOT NULL DEFAULT true,
  "notifyOnFollow" boolean NOT NULL DEFAULT true,
  "notifyOnMessage" boolean NOT NULL DEFAULT true,
  "notifyOnPostShare" boolean NOT NULL DEFAULT true,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE UNIQUE INDEX "profiles_userId_key" ON profiles ("userId");

CREATE UNIQUE INDEX "profiles_vanityUrl_key" ON profiles ("vanityUrl");

CREATE INDEX "profiles_vanityUrl_idx" ON profiles ("vanityUrl");

CREATE INDEX "profiles_userId_idx" ON profiles ("userId");

CREATE INDEX profiles_roles_idx ON profiles (roles);

CREATE INDEX profiles_tags_idx ON profiles (tags);

CREATE TABLE media (
  id text PRIMARY KEY,
  "profileId" text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE ON UPDATE CASCADE,
  type text NOT NULL,
  "s3Key" text NOT NULL,
  "posterS3Key" text,
  title text,
  description text,
  duration integer,
  width integer,
  height integer,
  "fileSize" integer,
  privacy text NOT NULL DEFAULT 'public',
  "processedStatus" text NOT NULL DEFAULT 'pending',
  metadata jsonb,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "media_profileId_idx" ON media ("profileId");

CREATE INDEX media_type_idx ON media (type);

CREATE INDEX media_privacy_idx ON media (privacy);

CREATE INDEX "media_processedStatus_idx" ON media ("processedStatus");

CREATE INDEX "media_createdAt_idx" ON media ("createdAt");

CREATE TABLE posts (
  id text PRIMARY KEY,
  content text NOT NULL,
  media text[],
  tags text[],
  "authorId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL,
  "mediaId" text REFERENCES media (id) ON DELETE SET NULL ON UPDATE CASCADE,
  visibility "Visibility" NOT NULL DEFAULT 'PUBLIC',
  "isFree" boolean NOT NULL DEFAULT true,
  price double precision,
  "thumbnailUrl" text,
  "requiresAccess" boolean NOT NULL DEFAULT false,
  "allowDownload" boolean NOT NULL DEFAULT false
);

CREATE INDEX "posts_authorId_idx" ON posts ("authorId");

CREATE INDEX "posts_createdAt_idx" ON posts ("createdAt");

CREATE INDEX posts_tags_idx ON posts (tags);

CREATE INDEX "posts_mediaId_idx" ON posts ("mediaId");

CREATE INDEX posts_visibility_idx ON posts (visibility);

CREATE TABLE access_grants (
  id text PRIMARY KEY,
  "postId" text NOT NULL REFERENCES posts (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "grantedAt" timestamp(3) NOT NULL DEFAULT now(),
  "expiresAt" timestamp(3)
);

CREATE INDEX "access_grants_postId_idx" ON access_grants ("postId");

CREATE INDEX "access_grants_userId_idx" ON access_grants ("userId");

CREATE INDEX "access_grants_expiresAt_idx" ON access_grants ("expiresAt");

CREATE UNIQUE INDEX "access_grants_postId_userId_key" ON access_grants ("postId", "userId");

CREATE TABLE access_requests (
  id text PRIMARY KEY,
  "postId" text NOT NULL REFERENCES posts (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "requesterId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  status "RequestStatus" NOT NULL DEFAULT 'PENDING',
  message text,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "access_requests_postId_idx" ON access_requests ("postId");

CREATE INDEX "access_requests_requesterId_idx" ON access_requests ("requesterId");

CREATE INDEX access_requests_status_idx ON access_requests (status);

CREATE UNIQUE INDEX "access_requests_postId_requesterId_key" ON access_requests ("postId", "requesterId");

CREATE TABLE analytics_events (
  id text PRIMARY KEY,
  event text NOT NULL,
  "anonId" text,
  "userId" text,
  "sessionId" text,
  properties jsonb,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE INDEX "analytics_events_createdAt_idx" ON analytics_events ("createdAt");

CREATE INDEX analytics_events_event_idx ON analytics_events (event);

CREATE TABLE audit_logs (
  id text PRIMARY KEY,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  action text NOT NULL,
  resource text NOT NULL,
  "resourceId" text,
  changes jsonb,
  "ipAddress" text,
  "userAgent" text,
  metadata jsonb,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE INDEX "audit_logs_userId_idx" ON audit_logs ("userId");

CREATE INDEX audit_logs_action_idx ON audit_logs (action);

CREATE INDEX audit_logs_resource_idx ON audit_logs (resource);

CREATE INDEX "audit_logs_createdAt_idx" ON audit_logs ("createdAt");

CREATE INDEX "audit_logs_userId_createdAt_idx" ON audit_logs ("userId", "createdAt");

CREATE TABLE auditions (
  id text PRIMARY KEY,
  title text NOT NULL,
  summary text NOT NULL,
  "hostId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "auditions_hostId_idx" ON auditions ("hostId");

CREATE INDEX "auditions_createdAt_idx" ON auditions ("createdAt");

CREATE TABLE reels (
  id text PRIMARY KEY,
  "videoUrl" text NOT NULL,
  thumbnail text,
  caption text,
  tags text[],
  "authorId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "reels_authorId_idx" ON reels ("authorId");

CREATE INDEX "reels_createdAt_idx" ON reels ("createdAt");

CREATE INDEX reels_tags_idx ON reels (tags);

CREATE TABLE bookmarks (
  id text PRIMARY KEY,
  "reelId" text NOT NULL REFERENCES reels (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE INDEX "bookmarks_reelId_idx" ON bookmarks ("reelId");

CREATE INDEX "bookmarks_userId_idx" ON bookmarks ("userId");

CREATE UNIQUE INDEX "bookmarks_reelId_userId_key" ON bookmarks ("reelId", "userId");

CREATE TABLE comments (
  id text PRIMARY KEY,
  text text NOT NULL,
  "reelId" text NOT NULL REFERENCES reels (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "authorId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "comments_reelId_idx" ON comments ("reelId");

CREATE INDEX "comments_authorId_idx" ON comments ("authorId");

CREATE INDEX "comments_createdAt_idx" ON comments ("createdAt");

CREATE TABLE connection_requests (
  id text PRIMARY KEY,
  "senderId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "receiverId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  status text NOT NULL DEFAULT 'pending',
  message text,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "connection_requests_senderId_idx" ON connection_requests ("senderId");

CREATE INDEX "connection_requests_receiverId_idx" ON connection_requests ("receiverId");

CREATE INDEX connection_requests_status_idx ON connection_requests (status);

CREATE UNIQUE INDEX "connection_requests_senderId_receiverId_key" ON connection_requests ("senderId", "receiverId");

CREATE TABLE conversations (
  id text PRIMARY KEY,
  title text,
  "lastMessage" text,
  "lastMessageAt" timestamp(3),
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "conversations_lastMessageAt_idx" ON conversations ("lastMessageAt");

CREATE TABLE conversation_participants (
  id text PRIMARY KEY,
  "conversationId" text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "joinedAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE INDEX "conversation_participants_userId_idx" ON conversation_participants ("userId");

CREATE INDEX "conversation_participants_conversationId_idx" ON conversation_participants ("conversationId");

CREATE UNIQUE INDEX "conversation_participants_conversationId_userId_key" ON conversation_participants ("conversationId", "userId");

CREATE TABLE credits (
  id text PRIMARY KEY,
  "profileId" text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE ON UPDATE CASCADE,
  title text NOT NULL,
  role text NOT NULL,
  company text,
  year integer,
  description text,
  "orderIndex" integer NOT NULL DEFAULT 0,
  metadata jsonb,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "credits_profileId_idx" ON credits ("profileId");

CREATE INDEX credits_year_idx ON credits (year);

CREATE INDEX "credits_profileId_orderIndex_idx" ON credits ("profileId", "orderIndex");

CREATE TABLE education (
  id text PRIMARY KEY,
  "profileId" text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE ON UPDATE CASCADE,
  institution text NOT NULL,
  program text NOT NULL,
  "startYear" integer,
  "endYear" integer,
  achievements text,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "education_profileId_idx" ON education ("profileId");

CREATE TABLE email_verification_tokens (
  id text PRIMARY KEY,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  token text NOT NULL,
  "expiresAt" timestamp(3) NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX email_verification_tokens_token_key ON email_verification_tokens (token);

CREATE INDEX "email_verification_tokens_userId_idx" ON email_verification_tokens ("userId");

CREATE INDEX email_verification_tokens_token_idx ON email_verification_tokens (token);

CREATE INDEX "email_verification_tokens_expiresAt_idx" ON email_verification_tokens ("expiresAt");

CREATE TABLE likes (
  id text PRIMARY KEY,
  "reelId" text NOT NULL REFERENCES reels (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE INDEX "likes_reelId_idx" ON likes ("reelId");

CREATE INDEX "likes_userId_idx" ON likes ("userId");

CREATE UNIQUE INDEX "likes_reelId_userId_key" ON likes ("reelId", "userId");

CREATE TABLE messages (
  id text PRIMARY KEY,
  text text NOT NULL,
  "conversationId" text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "senderId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE INDEX "messages_conversationId_idx" ON messages ("conversationId");

CREATE INDEX "messages_senderId_idx" ON messages ("senderId");

CREATE INDEX "messages_createdAt_idx" ON messages ("createdAt");

CREATE TABLE moderation_reports (
  id text PRIMARY KEY,
  "reporterId" text NOT NULL,
  "targetType" text NOT NULL,
  "targetId" text NOT NULL,
  category text NOT NULL,
  description text,
  "evidenceUrls" text[] DEFAULT ARRAY[]::text[],
  status text NOT NULL DEFAULT 'open',
  severity integer NOT NULL DEFAULT 0,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX moderation_reports_category_idx ON moderation_reports (category);

CREATE INDEX "moderation_reports_createdAt_idx" ON moderation_reports ("createdAt");

CREATE INDEX "moderation_reports_reporterId_idx" ON moderation_reports ("reporterId");

CREATE INDEX moderation_reports_severity_idx ON moderation_reports (severity);

CREATE INDEX moderation_reports_status_idx ON moderation_reports (status);

CREATE INDEX "moderation_reports_targetType_targetId_idx" ON moderation_reports ("targetType", "targetId");

CREATE TABLE moderation_actions (
  id text PRIMARY KEY,
  "reportId" text NOT NULL REFERENCES moderation_reports (id) ON DELETE CASCADE ON UPDATE CASCADE,
  action text NOT NULL,
  reason text,
  "actorId" text NOT NULL,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE INDEX "moderation_actions_actorId_idx" ON moderation_actions ("actorId");

CREATE INDEX "moderation_actions_createdAt_idx" ON moderation_actions ("createdAt");

CREATE INDEX "moderation_actions_reportId_idx" ON moderation_actions ("reportId");

CREATE TABLE notifications (
  id text PRIMARY KEY,
  type text NOT NULL,
  message text NOT NULL,
  "recipientId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "triggererId" text REFERENCES users (id) ON DELETE SET NULL ON UPDATE CASCADE,
  "isRead" boolean NOT NULL DEFAULT false,
  metadata jsonb,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE INDEX "notifications_recipientId_isRead_idx" ON notifications ("recipientId", "isRead");

CREATE INDEX "notifications_createdAt_idx" ON notifications ("createdAt");

CREATE INDEX notifications_type_idx ON notifications (type);

CREATE TABLE password_reset_tokens (
  id text PRIMARY KEY,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  token text NOT NULL,
  "expiresAt" timestamp(3) NOT NULL,
  used boolean NOT NULL DEFAULT false,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX password_reset_tokens_token_key ON password_reset_tokens (token);

CREATE INDEX "password_reset_tokens_userId_idx" ON password_reset_tokens ("userId");

CREATE INDEX password_reset_tokens_token_idx ON password_reset_tokens (token);

CREATE INDEX "password_reset_tokens_expiresAt_idx" ON password_reset_tokens ("expiresAt");

CREATE TABLE phone_verification_codes (
  id text PRIMARY KEY,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  code text NOT NULL,
  phone text NOT NULL,
  "expiresAt" timestamp(3) NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE INDEX "phone_verification_codes_userId_idx" ON phone_verification_codes ("userId");

CREATE TABLE pr_intelligence (
  id text PRIMARY KEY,
  "prNumber" integer NOT NULL,
  "changedFilesCount" integer NOT NULL,
  "sensitivePathsCount" integer NOT NULL,
  "riskScore" double precision NOT NULL,
  metadata jsonb,
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE INDEX "pr_intelligence_prNumber_idx" ON pr_intelligence ("prNumber");

CREATE INDEX "pr_intelligence_riskScore_idx" ON pr_intelligence ("riskScore");

CREATE TABLE profile_links (
  id text PRIMARY KEY,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "profileId" text NOT NULL REFERENCES profiles (id) ON DELETE CASCADE ON UPDATE CASCADE,
  label text NOT NULL,
  url text NOT NULL,
  type text NOT NULL,
  position integer NOT NULL DEFAULT 0,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "profile_links_userId_idx" ON profile_links ("userId");

CREATE INDEX "profile_links_profileId_idx" ON profile_links ("profileId");

CREATE INDEX "profile_links_userId_position_idx" ON profile_links ("userId", position);

CREATE TABLE reel_requests (
  id text PRIMARY KEY,
  "mediaId" text NOT NULL REFERENCES media (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "requesterId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "ownerId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  status text NOT NULL DEFAULT 'pending',
  message text,
  response text,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "reel_requests_mediaId_idx" ON reel_requests ("mediaId");

CREATE INDEX "reel_requests_requesterId_idx" ON reel_requests ("requesterId");

CREATE INDEX "reel_requests_ownerId_status_idx" ON reel_requests ("ownerId", status);

CREATE UNIQUE INDEX "reel_requests_mediaId_requesterId_key" ON reel_requests ("mediaId", "requesterId");

CREATE TABLE refresh_tokens (
  id text PRIMARY KEY,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  jti text NOT NULL,
  "expiresAt" timestamp(3) NOT NULL,
  "invalidatedAt" timestamp(3),
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "lastUsedAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX refresh_tokens_jti_key ON refresh_tokens (jti);

CREATE INDEX refresh_tokens_jti_idx ON refresh_tokens (jti);

CREATE INDEX "refresh_tokens_userId_idx" ON refresh_tokens ("userId");

CREATE INDEX "refresh_tokens_userId_invalidatedAt_idx" ON refresh_tokens ("userId", "invalidatedAt");

CREATE TABLE scripts (
  id text PRIMARY KEY,
  title text NOT NULL,
  summary text NOT NULL,
  "authorId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE INDEX "scripts_authorId_idx" ON scripts ("authorId");

CREATE INDEX "scripts_createdAt_idx" ON scripts ("createdAt");

CREATE TABLE sessions (
  id text PRIMARY KEY,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  token text NOT NULL,
  "ipAddress" text,
  "userAgent" text,
  "expiresAt" timestamp(3) NOT NULL,
  "lastActivity" timestamp(3) NOT NULL DEFAULT now(),
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX sessions_token_key ON sessions (token);

CREATE INDEX "sessions_userId_idx" ON sessions ("userId");

CREATE INDEX sessions_token_idx ON sessions (token);

CREATE INDEX "sessions_expiresAt_idx" ON sessions ("expiresAt");

CREATE INDEX "sessions_userId_expiresAt_idx" ON sessions ("userId", "expiresAt");

CREATE TABLE test_runs (
  id text PRIMARY KEY,
  suite text NOT NULL,
  "testName" text NOT NULL,
  status text NOT NULL,
  "durationMs" integer NOT NULL,
  "runAt" timestamp(3) NOT NULL DEFAULT now(),
  metadata jsonb
);

CREATE INDEX "test_runs_runAt_idx" ON test_runs ("runAt");

CREATE INDEX test_runs_status_idx ON test_runs (status);

CREATE INDEX "test_runs_suite_testName_idx" ON test_runs (suite, "testName");

CREATE TABLE two_factor_recovery_codes (
  id text PRIMARY KEY,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  code text NOT NULL,
  used boolean NOT NULL DEFAULT false,
  "usedAt" timestamp(3),
  "createdAt" timestamp(3) NOT NULL DEFAULT now()
);

CREATE INDEX "two_factor_recovery_codes_userId_idx" ON two_factor_recovery_codes ("userId");

CREATE INDEX "two_factor_recovery_codes_userId_used_idx" ON two_factor_recovery_codes ("userId", used);

CREATE TABLE user_settings (
  id text PRIMARY KEY,
  "userId" text NOT NULL REFERENCES users (id) ON DELETE CASCADE ON UPDATE CASCADE,
  notifications jsonb NOT NULL DEFAULT '{}',
  "accountSecurity" jsonb NOT NULL DEFAULT '{}',
  privacy jsonb NOT NULL DEFAULT '{}',
  billing jsonb,
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE UNIQUE INDEX "user_settings_userId_key" ON user_settings ("userId");

CREATE TABLE waitlist_entries (
  id text PRIMARY KEY,
  "firstName" text NOT NULL,
  "lastName" text NOT NULL,
  email text NOT NULL,
  phone text NOT NULL,
  status text NOT NULL DEFAULT 'pending',
  "createdAt" timestamp(3) NOT NULL DEFAULT now(),
  "updatedAt" timestamp(3) NOT NULL
);

CREATE UNIQUE INDEX waitlist_entries_email_key ON waitlist_entries (email);

CREATE INDEX waitlist_entries_status_idx ON waitlist_entries (status);

CREATE INDEX "waitlist_entries_createdAt_idx" ON waitlist_entries ("createdAt");
