/**
 * `browser-actor/research`: the research job. Search a family tree (a GEDCOM file, or a site
 * through its API), score every candidate, fetch each person's kinship ladder once per run, and
 * report the relationship path; results as text, CSV, JSON lines or one HTML report.
 * @packageDocumentation
 */
export {
  GedcomSource,
  RunCache,
  SiteSource,
  Timings,
  foundIds,
  research,
  validateCriteria,
  type PersonSource,
  type RankedPerson,
  type ResearchOptions,
  type ResearchResult,
} from './research.js';
export { openSiteResearch, type SiteResearch, type SiteResearchOptions } from './job.js';
export { formatResult } from './format.js';
export { renderReport, readReportData, type ReportInfo, type ReportSearch } from './html-report.js';
export { InvalidCriteriaError, ResearchErrorCode } from './errors.js';
