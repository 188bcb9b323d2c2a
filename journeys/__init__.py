"""Journey stages, plans dated from release day, and where-am-I answers. No Telegram code here.

Input is plain values (the chat maps case-file rows to these dataclasses); output is answer objects
that the templates in content/templates/journeys/ turn into words:

  stages.load_stages(content_dir) -> StageCatalog          content/journeys/stages.yaml
  where.where_am_i(JourneyFacts, today, stages, ...) -> WhereAnswer      journeys/where.txt.j2
  timeline.draw_timeline(answer.timeline_stages, key, language, labels=answer.labels) -> PNG bytes
  money.load_money(content_dir) -> MoneyCatalog             content/journeys/money.yaml
  money.money_plan(release_date, ClaimFacts | None, today, catalog=...) -> list[MoneyStep]   journeys/money.txt.j2
  calendar.load_bank_holidays(content_dir) -> BankHolidays  content/journeys/bank-holidays.yaml
  pharmacy.pharmacy_answer(PharmacyFacts, today, holidays) -> PharmacyAnswer   journeys/pharmacy.txt.j2
  pharmacy.changes_ahead(PharmacyFacts, start, days, holidays[, schedule]) -> list[ChangeNotice]  journeys/pharmacy_notice.txt.j2
  check.check_journeys(content_dir) -> list[Finding]        (run by `signpost content check`)
"""
