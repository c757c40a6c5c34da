"""Node serverless targets (Project Valine's style): Lambda handlers, their data layer, vitest tests."""
