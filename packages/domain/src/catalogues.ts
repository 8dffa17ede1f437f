/**
 * Plain lists (no zod), so the console can import them without the schema
 * library: `@hourmeter/domain/catalogues`.
 */

/**
 * The one catalogue of exclusion causes: what a PBH contract can name in
 * `excludedCauses` (downtime and repairs it does not bear) and what a
 * completion can record as its responsible party. Both schemas derive from
 * this list, so a cause one side knows can never be refused by the other.
 */
export const EXCLUSION_CAUSES = ['customer_use', 'external_damage', 'force_majeure'] as const;

/** Departments of the manufacturer that a failure can be traced to (the hazard report's owners). */
export const INTERNAL_DEPARTMENTS = ['design', 'production', 'purchasing', 'logistics', 'installation'] as const;

/** What a completion records as responsible: a department, an exclusion cause, or none found. */
export const RESPONSIBLE_PARTIES = [...INTERNAL_DEPARTMENTS, ...EXCLUSION_CAUSES, 'none'] as const;
