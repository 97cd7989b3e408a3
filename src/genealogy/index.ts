/**
 * `browser-actor/genealogy`: family trees. Read GEDCOM 5.5, 5.5.1 and 7.0 files
 * ({@link readGedcom}), write GEDCOM 7.0 ({@link writeGedcom7File}), name the relationship of two
 * people and the ladder between them ({@link relationship}, {@link ladder}), and score candidates
 * against search criteria ({@link rankCandidates}).
 * @packageDocumentation
 */
export { readGedcom, type DiagnosticKind, type GedcomDiagnostic, type GedcomReadOptions, type GedcomReadResult } from './gedcom.js';
export {
  gedcom7Lines,
  gedcom7Text,
  mergeTrees,
  renamedIds,
  wholeTree,
  withAncestors,
  withFamilies,
  writeGedcom7File,
  type ExportOptions,
  type ExportSelection,
} from './gedcom-export.js';
export { parseGedcomDate, lifespan, type DateQualifier, type GedcomDate } from './dates.js';
export { ladder, relationship, type Kinship, type KinshipOptions, type Ladder, type LadderStep } from './kinship.js';
export {
  FamilyTree,
  LINK_TYPES,
  TreeBuilder,
  fullName,
  type ChildLink,
  type ExternalId,
  type Family,
  type LifeEvent,
  type LinkType,
  type ParentLink,
  type Person,
  type PersonName,
  type Sex,
} from './tree.js';
export {
  DEFAULT_WEIGHTS,
  confidenceOf,
  describeTie,
  maxScore,
  rankCandidates,
  scoreCandidate,
  topTie,
  type Candidate,
  type Confidence,
  type Criteria,
  type Rule,
  type Score,
  type ScoreLine,
  type ScoringWeights,
  type TopTie,
} from './scoring.js';
export { chooseHomePerson, gedcomLines, generateTree, type SyntheticOptions, type SyntheticTree } from './synthetic.js';
export { GenealogyErrorCode, InvalidGedcomError } from './errors.js';
