/** Injection token of the {@link DdsStatus} (present when DDS is enabled). */
export const DDS_STATUS = Symbol('DDS_STATUS');

/** Whether this gateway's DDS participant is up. */
export interface DdsStatus {
  up(): boolean;
}
