// Short names for the API's schemas, so pages write `Customer` instead of the generated path.
import type { components } from './schema';

type Schemas = components['schemas'];

export type ErrorBody = Schemas['Error'];
export type Me = Schemas['Me'];
export type Permission = Schemas['Permission'];
export type Staff = Schemas['Staff'];
export type Tenant = Schemas['TenantSummary'];
export type LoginResponse = Schemas['LoginResponse'];
export type ImportJob = Schemas['ImportJob'];
export type ImportReport = NonNullable<ImportJob['report']>;
export type CustomerSummary = Schemas['CustomerSummary'];
export type CustomerList = Schemas['CustomerList'];
export type CustomerProfile = Schemas['CustomerProfile'];
export type CustomerIdentity = Schemas['CustomerIdentity'];
export type CustomerTraits = NonNullable<Schemas['CustomerTraits']>;
export type CustomerTag = Schemas['CustomerTag'];
export type Tag = Schemas['Tag'];
export type TagGroup = Schemas['TagGroupList']['items'][number];
export type Note = Schemas['Note'];
export type ConsentRecord = Schemas['ConsentRecord'];
export type LifecycleStage = NonNullable<CustomerSummary['lifecycle_stage']>;
export type Segment = Schemas['Segment'];
export type AudienceRule = Schemas['AudienceRule'];
// Overview, segments and settings.
import type { paths } from './schema';
export type Overview = Schemas['Overview'];
export type OverviewShare = Schemas['OverviewShare'];
export type AudiencePreview = paths['/api/v1/audience/preview']['post']['responses'][200]['content']['application/json'];
export type SampleMember = AudiencePreview['sample_members'][number];
export type SegmentMembersPage = paths['/api/v1/segments/{segment_id}/members']['get']['responses'][200]['content']['application/json'];
export type SegmentMember = SegmentMembersPage['items'][number];
export type SegmentHistory = paths['/api/v1/segments/{segment_id}/history']['get']['responses'][200]['content']['application/json'];
export type Role = Schemas['Role'];
export type RoleList = Schemas['RoleList'];
export type Store = Schemas['Store'];
export type ApiKey = Schemas['ApiKey'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type AuditEntry = Schemas['AuditEntry'];
export type FailedEvent = Schemas['FailedEvent'];
export type FailedEventSummary = Schemas['FailedEventSummary'];
