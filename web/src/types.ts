// Shapes of the JSON the API returns (see the root Go package for the source of truth).

export type Role = 'patient' | 'caregiver' | 'provider' | 'admin';
export type Guideline = 'acc_aha' | 'esh';
export type Arm = 'left' | 'right';
export type Position = 'sitting' | 'standing' | 'lying';
export type Category =
  | 'normal' | 'elevated' | 'stage_1' | 'stage_2' | 'severe'
  | 'optimal' | 'high_normal' | 'grade_1' | 'grade_2' | 'grade_3';

export interface Target { systolic_low: number; systolic_high: number }

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  status: string;
  time_zone: string;
  guideline: Guideline;
  target: Target;
  mfa_enabled: boolean;
  created_at: string;
}

export interface SessionInfo {
  user: User;
  idle_timeout_seconds: number;
  idle_expires_at?: string;
  expires_at?: string;
}

export type SignInResult =
  | { status: 'mfa_required' }
  | { status: 'mfa_setup_required'; totp_secret: string; otpauth_uri: string };

export interface MFAResult {
  status: 'active';
  user: User;
  recovery_codes?: string[];
  idle_timeout_seconds: number;
  expires_at?: string;
}

export interface ReadingInput {
  taken_at: string;
  systolic: number;
  diastolic: number;
  pulse?: number;
  arm?: Arm;
  position?: Position;
  irregular_heartbeat?: boolean;
  note?: string;
  tags?: string[];
  session_id?: string;
}

export interface Reading extends ReadingInput {
  id: string;
  patient_id: string;
  source: string;
  created_by: string;
  updated_by: string;
  created_at: string;
  updated_at: string;
  version: number;
  category: Category;
  category_label: string;
  severe: boolean;
  advice?: string;
}

export interface ReadingPage { readings: Reading[]; next_cursor: string | null }

export interface Stat { count: number; mean: number; sd: number; min: number; max: number }
export interface Pair { count: number; systolic: number; diastolic: number }

export interface Summary {
  from?: string;
  to?: string;
  guideline: Guideline;
  setting: string;
  count: number;
  session_count: number;
  systolic: Stat;
  diastolic: Stat;
  pulse?: Stat;
  pulse_pressure: number;
  mean_arterial_pressure: number;
  morning?: Pair;
  evening?: Pair;
  categories: Partial<Record<Category, number>>;
  average_category?: Category;
  above_home_threshold: boolean;
  target: Target;
  time_in_target: number;
  time_in_target_by_time: number;
  severe_count: number;
}

export interface HomeReport {
  start: string;
  end: string;
  days: number;
  readings_used: number;
  complete: boolean;
  average?: Pair;
  morning?: Pair;
  evening?: Pair;
  category?: Category;
  above_home_threshold: boolean;
  instructions: string;
  message: string;
}

export interface Grant {
  id: string;
  patient_id: string;
  grantee_id: string;
  grantee_name: string;
  role: 'provider' | 'caregiver';
  access: 'read' | 'write';
  expires_at?: string | null;
  created_at: string;
  revoked_at?: string | null;
}

export interface Invitation {
  id?: string;
  email?: string;
  role?: string;
  access?: string;
  url?: string;
  expires_at: string;
}

export type GrantResult = { grant: Grant } | { invitation: Invitation };

export interface AccessEvent {
  time: string;
  actor_name: string;
  actor_role: string;
  action: string;
  via: string;
  source_ip: string;
  outcome: string;
}

export interface ActiveSession {
  id: string;
  created_at: string;
  last_seen: string;
  source_ip: string;
  user_agent: string;
  current: boolean;
}

export type PanelFlag = 'severe_7d' | 'above_target' | 'no_reading_14d';

export interface PanelPatient {
  id: string;
  name: string;
  latest: Reading | null;
  avg7: { systolic: number; diastolic: number; count: number } | null;
  category: Category | '' | null;
  time_in_target: number | null;
  flags: PanelFlag[];
  access: string;
}

export interface AdminUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  status: string;
  mfa_enabled: boolean;
  locked: boolean;
}

export interface AuditEvent {
  chain: string;
  seq: number;
  id: string;
  time: string;
  actor_id?: string;
  actor_role?: string;
  action: string;
  patient_id?: string;
  resource_id?: string;
  outcome: string;
  source_ip?: string;
  user_agent?: string;
  request_id?: string;
  via?: string;
  detail?: string;
}

export interface BreakGlass {
  id: string;
  admin_id?: string;
  patient_id: string;
  reason: string;
  created_at: string;
  expires_at: string;
  closed_at?: string | null;
}

export interface ImportJob {
  id: string;
  status: 'running' | 'done' | 'failed';
  total: number;
  done: number;
  /** The import's report once the job has ended (not in lists of jobs). */
  result?: ImportResult;
}

export interface ImportResult {
  would_import?: number;
  imported?: number;
  duplicates: number;
  rejected: { row: number; reason: string }[];
  /** Set when a large import continues as a job (202). */
  job?: ImportJob;
}
