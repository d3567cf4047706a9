// Every migration, in order. TypeORM's glob loading does not behave the same under the
// compiled app, the CLI and ESM Jest, so migrations are listed explicitly: add new ones here
// (a unit test fails when a file in this folder is missing from the list).
import { Foundation1763800000000 } from './1763800000000-Foundation.js';
import { Users1763800100000 } from './1763800100000-Users.js';
import { Jobs1763800250000 } from './1763800250000-Jobs.js';
import { Characters1763800300000 } from './1763800300000-Characters.js';
import { LlmAvailability1763800350000 } from './1763800350000-LlmAvailability.js';
import { MessageQuota1763800400000 } from './1763800400000-MessageQuota.js';
import { Chat1763800500000 } from './1763800500000-Chat.js';
import { Admin1763800600000 } from './1763800600000-Admin.js';
import { PageViews1763801000000 } from './1763801000000-PageViews.js';
import { ChatStorytelling1763802300000 } from './1763802300000-ChatStorytelling.js';
import { GroupChats1763803000000 } from './1763803000000-GroupChats.js';
import { EmailVerified1763804000000 } from './1763804000000-EmailVerified.js';
import { CharacterMaintenance1763804500000 } from './1763804500000-CharacterMaintenance.js';
import { GroupRoundWriter1763805000000 } from './1763805000000-GroupRoundWriter.js';
import { OneResetTokenPerUser1763805500000 } from './1763805500000-OneResetTokenPerUser.js';
import { CatalogueTaskDays1763806000000 } from './1763806000000-CatalogueTaskDays.js';
import { ReportRecent1763806500000 } from './1763806500000-ReportRecent.js';
import { BackgroundLlmSpend1763807100000 } from './1763807100000-BackgroundLlmSpend.js';
import { CharacterTakedown1763807200000 } from './1763807200000-CharacterTakedown.js';
import { GuestChatLimits1763807200001 } from './1763807200001-GuestChatLimits.js';
import { ReleasedAccounts1763807300000 } from './1763807300000-ReleasedAccounts.js';
import { JobRetention1763808000000 } from './1763808000000-JobRetention.js';
import { ConfirmExistingAccounts1763808100000 } from './1763808100000-ConfirmExistingAccounts.js';
import { ReleasedEmailSearch1763808100001 } from './1763808100001-ReleasedEmailSearch.js';
import { SummaryJobs1763808400000 } from './1763808400000-SummaryJobs.js';
import { JobAdmin1763808400001 } from './1763808400001-JobAdmin.js';
import { OneConversationEngine1763808500000 } from './1763808500000-OneConversationEngine.js';
import { CardFidelity1763808600000 } from './1763808600000-CardFidelity.js';
import { AdminAlerts1763808700000 } from './1763808700000-AdminAlerts.js';
import { MessageTree1763808800000 } from './1763808800000-MessageTree.js';
import { HiddenDefinitions1763808900000 } from './1763808900000-HiddenDefinitions.js';
import { StaleTranslations1763808900001 } from './1763808900001-StaleTranslations.js';
import { NoChatCampaign1763808900002 } from './1763808900002-NoChatCampaign.js';
import { ChatControls1763809000000 } from './1763809000000-ChatControls.js';
import { MessageSearch1763809100000 } from './1763809100000-MessageSearch.js';
import { MessageTokens1763809700000 } from './1763809700000-MessageTokens.js';
import { ChatMemoryPanel1763809710000 } from './1763809710000-ChatMemoryPanel.js';
import { CharacterMemory1763809720000 } from './1763809720000-CharacterMemory.js';
import { MemoryUsed1763809750000 } from './1763809750000-MemoryUsed.js';
import { ViolationsAndBans1763809300000 } from './1763809300000-ViolationsAndBans.js';
import { Moderation1763809400000 } from './1763809400000-Moderation.js';
import { Notifications1763809600000 } from './1763809600000-Notifications.js';
import { RecallLanguage1763809770000 } from './1763809770000-RecallLanguage.js';
import { ChatCharacterCreated1763809650000 } from './1763809650000-ChatCharacterCreated.js';
import { RowChangeNotifications1763809800000 } from './1763809800000-RowChangeNotifications.js';
import { CatalogueChanges1763809900000 } from './1763809900000-CatalogueChanges.js';
import { MessageEmbeddings1763810000000 } from './1763810000000-MessageEmbeddings.js';
import { LegacyAvatarSweep1763812022000 } from './1763812022000-LegacyAvatarSweep.js';
import { MessageActiveChildHot1763812100000 } from './1763812100000-MessageActiveChildHot.js';

export const migrations: Function[] = [
  Foundation1763800000000,
  Users1763800100000,
  Jobs1763800250000,
  Characters1763800300000,
  LlmAvailability1763800350000,
  MessageQuota1763800400000,
  Chat1763800500000,
  Admin1763800600000,
  PageViews1763801000000,
  ChatStorytelling1763802300000,
  GroupChats1763803000000,
  EmailVerified1763804000000,
  CharacterMaintenance1763804500000,
  GroupRoundWriter1763805000000,
  OneResetTokenPerUser1763805500000,
  CatalogueTaskDays1763806000000,
  ReportRecent1763806500000,
  BackgroundLlmSpend1763807100000,
  CharacterTakedown1763807200000,
  GuestChatLimits1763807200001,
  ReleasedAccounts1763807300000,
  JobRetention1763808000000,
  ConfirmExistingAccounts1763808100000,
  ReleasedEmailSearch1763808100001,
  SummaryJobs1763808400000,
  JobAdmin1763808400001,
  OneConversationEngine1763808500000,
  CardFidelity1763808600000,
  AdminAlerts1763808700000,
  MessageTree1763808800000,
  HiddenDefinitions1763808900000,
  StaleTranslations1763808900001,
  NoChatCampaign1763808900002,
  ChatControls1763809000000,
  MessageSearch1763809100000,
  ViolationsAndBans1763809300000,
  Moderation1763809400000,
  Notifications1763809600000,
  ChatCharacterCreated1763809650000,
  MessageTokens1763809700000,
  ChatMemoryPanel1763809710000,
  CharacterMemory1763809720000,
  MemoryUsed1763809750000,
  RecallLanguage1763809770000,
  RowChangeNotifications1763809800000,
  CatalogueChanges1763809900000,
  MessageEmbeddings1763810000000,
  LegacyAvatarSweep1763812022000,
  MessageActiveChildHot1763812100000,
];
