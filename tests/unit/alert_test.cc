#include "domain/alert.h"

#include <gtest/gtest.h>

#include "domain/exposure.h"
#include "domain/ledger.h"

namespace creditshare::domain {
namespace {

LineReport Line(int days_past_due = 0) {
  LineReport r;
  r.account_reference = "acct";
  r.product_type = ProductType::kOnlineMicroLoan;
  r.currency = "CNY";
  r.credit_limit_minor = 5'000'000;
  r.outstanding_balance_minor = 1'000'000;
  r.opened_date = {2026, 1, 10};
  r.status = LineStatus::kOpen;
  r.as_of_date = {2026, 10, 31};
  r.days_past_due = days_past_due;
  if (days_past_due > 0) r.overdue_amount_minor = 50'000;
  return r;
}

std::vector<AlertKind> Kinds(const std::vector<AlertEvent>& events) {
  std::vector<AlertKind> out;
  for (const auto& e : events) out.push_back(e.kind);
  return out;
}

TEST(LineEventsTest, ANewLineIsNewCreditWithItsLimitAndOpeningDate) {
  const auto events = LineEvents(nullptr, Line());
  ASSERT_EQ(Kinds(events), std::vector<AlertKind>{AlertKind::kNewLine});
  EXPECT_EQ(events[0].figures.amount_minor, 5'000'000);
  EXPECT_EQ(events[0].figures.event_date, (Date{2026, 1, 10}));
  EXPECT_EQ(SeverityOf(events[0]), AlertSeverity::kInfo);
}

TEST(LineEventsTest, PastDueWhenTheLineEntersAWorseThirtyDayBucketOnly) {
  const auto current = FactsOf(Line(0));
  EXPECT_EQ(Kinds(LineEvents(&current, Line(0))), std::vector<AlertKind>{});
  const auto first = LineEvents(&current, Line(5));
  ASSERT_EQ(Kinds(first), std::vector<AlertKind>{AlertKind::kPastDue});
  EXPECT_EQ(first[0].figures.previous_days_past_due, 0);
  EXPECT_EQ(SeverityOf(first[0]), AlertSeverity::kWarning);

  const auto five = FactsOf(Line(5));
  EXPECT_TRUE(LineEvents(&five, Line(30)).empty()) << "1-30 is one bucket";
  const auto worse = LineEvents(&five, Line(31));
  ASSERT_EQ(Kinds(worse), std::vector<AlertKind>{AlertKind::kPastDue});
  EXPECT_EQ(worse[0].figures.days_past_due, 31);
  EXPECT_EQ(worse[0].figures.previous_days_past_due, 5);
  EXPECT_EQ(SeverityOf(worse[0]), AlertSeverity::kCritical);

  const auto far = FactsOf(Line(200));
  EXPECT_TRUE(LineEvents(&far, Line(400)).empty()) << "over 180 days is the last bucket";
  EXPECT_TRUE(LineEvents(&far, Line(0)).empty()) << "getting better raises nothing";
}

TEST(LineEventsTest, CollectionsAndChargeOffOnEntryOnly) {
  const auto current = FactsOf(Line(0));
  auto in_collections = Line(95);
  in_collections.collections_stage = CollectionsStage::kAgency;
  const auto entered = LineEvents(&current, in_collections);
  EXPECT_EQ(Kinds(entered), (std::vector<AlertKind>{AlertKind::kPastDue, AlertKind::kCollections}));
  const auto already = FactsOf(in_collections);
  auto legal = in_collections;
  legal.collections_stage = CollectionsStage::kLegal;
  EXPECT_TRUE(LineEvents(&already, legal).empty()) << "a later stage is not a new entry";

  auto charged = legal;
  charged.status = LineStatus::kChargedOff;
  charged.charged_off_amount_minor = 900'000;
  charged.charged_off_date = Date{2026, 10, 20};
  const auto off = LineEvents(&already, charged);
  ASSERT_EQ(Kinds(off), std::vector<AlertKind>{AlertKind::kChargedOff});
  EXPECT_EQ(off[0].figures.amount_minor, 900'000);
  EXPECT_EQ(off[0].figures.event_date, (Date{2026, 10, 20}));
  const auto gone = FactsOf(charged);
  EXPECT_TRUE(LineEvents(&gone, charged).empty());
}

TEST(LineEventsTest, ThePlanCarriesEventsOnlyForTheCurrentState) {
  const auto created = PlanReport(nullptr, 1, Line(), "line.").value();
  EXPECT_EQ(Kinds(created.events), std::vector<AlertKind>{AlertKind::kNewLine});
  LedgerLine stored{1, "CNY", {2026, 10, 31}, 1, created.months, FactsOf(Line())};
  auto late = Line(45);
  late.as_of_date = {2026, 9, 30};
  const auto stale = PlanReport(&stored, 1, late, "line.").value();
  EXPECT_FALSE(stale.write_line);
  EXPECT_TRUE(stale.events.empty()) << "a late report changes history, not the line's state";
  auto next = Line(45);
  next.as_of_date = {2026, 11, 30};
  EXPECT_EQ(Kinds(PlanReport(&stored, 1, next, "line.").value().events), std::vector<AlertKind>{AlertKind::kPastDue});
}

constexpr std::uint64_t kActor = 10, kHolder = 20, kClosedHolder = 30, kReserver = 40;

BorrowerRelations Relations() {
  BorrowerRelations r;
  r.lines.push_back({kHolder, "H-2", {2025, 3, 1}, LineStatus::kOpen});
  r.lines.push_back({kHolder, "H-1", {2024, 5, 1}, LineStatus::kChargedOff});
  r.lines.push_back({kClosedHolder, "C-1", {2020, 1, 1}, LineStatus::kClosed});
  r.lines.push_back({kActor, "A-1", {2026, 10, 1}, LineStatus::kOpen});
  r.reservations.push_back({kReserver, "rzzz"});
  r.reservations.push_back({kActor, "raaa"});
  return r;
}

TEST(FanOutTest, OnlyMembersWithALineNotClosedOrAnActiveReservationAndNeverTheActor) {
  const AlertEvent event{AlertKind::kNewLine, {}};
  const auto alerts = FanOut(event, kActor, MemberType::kConsumerFinance, Relations(), 123);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].recipient_member_id, kHolder);
  EXPECT_EQ(alerts[0].account_references, (std::vector<std::string>{"H-1", "H-2"}));
  EXPECT_TRUE(alerts[0].reservation_ids.empty());
  EXPECT_EQ(alerts[1].recipient_member_id, kReserver);
  EXPECT_TRUE(alerts[1].account_references.empty());
  EXPECT_EQ(alerts[1].reservation_ids, std::vector<std::string>{"rzzz"});
  for (const auto& a : alerts) {
    EXPECT_EQ(a.lender_type, MemberType::kConsumerFinance);
    EXPECT_EQ(a.occurred_at_us, 123);
    EXPECT_EQ(a.kind, AlertKind::kNewLine);
  }
  EXPECT_TRUE(HasRelationship(Relations(), kHolder));
  EXPECT_FALSE(HasRelationship(Relations(), kClosedHolder));
  EXPECT_TRUE(FanOut(event, kActor, MemberType::kBank, {}, 1).empty());
}

TEST(FanOutTest, TheActorIsNamedByTheOrdinalTheRecipientsExposureShowsIt) {
  // Build the exposure each recipient would see and compare its ordinal for the actor's line.
  const auto relations = Relations();
  const auto alerts = FanOut({AlertKind::kNewLine, {}}, kActor, MemberType::kConsumerFinance, relations, 1);
  for (const auto& a : alerts) {
    std::vector<BorrowerLine> lines;
    for (const auto& l : relations.lines) {
      BorrowerLine b;
      b.member_id = l.member_id;
      b.member_type = l.member_id == kActor ? MemberType::kConsumerFinance : MemberType::kBank;
      b.line.account_reference = l.account_reference;
      b.line.opened_date = l.opened_date;
      b.line.status = l.status;
      b.line.currency = "CNY";
      lines.push_back(b);
    }
    std::vector<ActiveReservation> reservations;
    for (const auto& v : relations.reservations) {
      ActiveReservation r;
      r.member_id = v.member_id;
      r.member_type = v.member_id == kActor ? MemberType::kConsumerFinance : MemberType::kMicroLender;
      r.public_id = v.public_id;
      r.currency = "CNY";
      reservations.push_back(r);
    }
    const auto exposure = BuildExposure(lines, reservations, {}, a.recipient_member_id, {2026, 11, 1});
    int shown = -1;
    for (const auto& l : exposure.lines)
      if (!l.own_line && l.lender_type == MemberType::kConsumerFinance) shown = l.lender_ordinal;
    EXPECT_EQ(a.lender_ordinal, shown) << "recipient " << a.recipient_member_id;
    EXPECT_GT(a.lender_ordinal, 0);
  }
}

TEST(FanOutTest, AnInquirerWithoutCreditHasOrdinalZero) {
  const auto alerts = FanOut({AlertKind::kApplicationInquiry, {}}, 99, MemberType::kMicroLender, Relations(), 1);
  ASSERT_FALSE(alerts.empty());
  for (const auto& a : alerts) EXPECT_EQ(a.lender_ordinal, 0);
}

TEST(FanOutTest, NamesAtMostSixteenReferencesOfTheRecipient) {
  BorrowerRelations r;
  for (int i = 0; i < 40; ++i)
    r.lines.push_back({kHolder, "L-" + std::to_string(100 + i), {2025, 1, 1}, LineStatus::kOpen});
  const auto alerts = FanOut({AlertKind::kNewLine, {}}, kActor, MemberType::kBank, r, 1);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].account_references.size(), kMaxReferencesPerAlert);
  EXPECT_EQ(alerts[0].account_references.front(), "L-100");
}

TEST(DisputeAlertTest, GoesToTheOwnerOnlyAndNotForItsOwnDispute) {
  const AlertEvent event{AlertKind::kDisputeFiled, {}};
  const auto a = DisputeAlert(event, kActor, MemberType::kConsumerFinance, kHolder, "H-2", Relations(), 5);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->recipient_member_id, kHolder);
  EXPECT_EQ(a->account_references, std::vector<std::string>{"H-2"});
  EXPECT_EQ(SeverityOf(event), AlertSeverity::kWarning);
  EXPECT_FALSE(DisputeAlert(event, kHolder, MemberType::kBank, kHolder, "H-2", Relations(), 5).has_value());
}

TEST(AlertKindsTest, ParseAndFormat) {
  EXPECT_EQ(ParseAlertKinds("all", "kinds").value(), kAllAlertKinds);
  const auto some = ParseAlertKinds("new_line,past_due", "kinds").value();
  EXPECT_EQ(some, KindBit(AlertKind::kNewLine) | KindBit(AlertKind::kPastDue));
  EXPECT_EQ(FormatAlertKinds(some), "new_line,past_due");
  EXPECT_EQ(FormatAlertKinds(0), "none");
  EXPECT_FALSE(ParseAlertKinds("new_line,bogus", "kinds").ok());
  EXPECT_FALSE(ParseAlertKinds("", "kinds").ok());
  EXPECT_FALSE(ParseAlertKinds(",", "kinds").ok());
  EXPECT_EQ(kAllAlertKinds & KindBit(AlertKind::kUnspecified), 0u);
  for (int k = 1; k <= kMaxAlertKind; ++k)
    EXPECT_EQ(AlertKindFromString(ToString(static_cast<AlertKind>(k))), static_cast<AlertKind>(k));
}

}  // namespace
}  // namespace creditshare::domain
