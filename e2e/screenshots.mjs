// Screenshots of every page of the web interface, into docs/screenshots/, from a running
// `repatria demo` (REPATRIA_URL, REPATRIA_ACCOUNTS). Run by `cargo xtask screenshots`.
import { mkdirSync } from "node:fs";
import { launch, loginAs, loginWith, api, base } from "./lib.mjs";

const out = process.env.REPATRIA_SCREENSHOTS || "../docs/screenshots";
mkdirSync(out, { recursive: true });
const browser = await launch();
const taken = [];

async function shot(page, name) {
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
  taken.push(name);
  console.log(`${name}.png  ${page.url().replace(base, "")}`);
}

// Anonymous: the login page.
{
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await shot(page, "01-login");
  await context.close();
}

// What the pages show: a captive with several identity claims, a tracing request, a list.
const story = await api("admin", "GET", "/api/captives?q=Ri+Jong+Chol&limit=1");
const captiveId = (story.items[0] || (await api("admin", "GET", "/api/captives?limit=1")).items[0]).id;
const requests = await api("admin", "GET", "/api/tracing/requests");
const requestId = requests.items[0].id;
// The reconciled list (imports come newest first; demand lists are imports too).
const imports = await api("admin", "GET", "/api/imports?limit=500");
const importId = imports.items.find((i) => i.kind === "list").id;
const today = new Date().toISOString().slice(0, 10);
const until = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
const media = await api("admin", "POST", "/api/media/requests", {
  journalist: "demo-journalist", outlet: "Fictional Daily", purpose: "A report on conditions in camps",
  captives: [captiveId], wanted_from: today, wanted_until: until,
});
await api("media_officer", "POST", `/api/media/requests/${media.id}/decision`, {
  approved: true, consent_recorded: [captiveId], faces_blurred: true, names_withheld: false,
  valid_from: today, valid_until: until,
});

// A death without its record (Art. 120) and one under enquiry (Art. 121), for the
// dashboard's lists.
const held = (await api("admin", "GET", "/api/captives?status=in_custody&limit=60")).items.filter((c) => c.id !== captiveId);
const diedAt = new Date(Date.now() - 3600000).toISOString();
await api("registrar", "POST", `/api/captives/${held[held.length - 1].id}/custody-events`, {
  kind: "died", at: diedAt, place: "Camp 1 (fictional)", facility: "camp",
});
await api("registrar", "POST", `/api/captives/${held[held.length - 2].id}/death`, {
  died_at: diedAt, place: "Camp 1 (fictional)", cause: "unknown", certified_by: "Camp doctor", enquiry_required: true,
});

const { context, page } = await loginAs(browser, "admin");
await shot(page, "02-dashboard");
await page.goto(`${base}/captives`);
await shot(page, "03-captives");
await page.goto(`${base}/captives?q=${encodeURIComponent("Ri Jong Chol")}`);
await shot(page, "04-captives-search-transliterated");
await page.goto(`${base}/captives/${captiveId}`);
await shot(page, "05-captive");
await page.goto(`${base}/captives/new`);
await shot(page, "06-captive-new");
// The browser asks for the required fields; the server checks the rest and answers next
// to each field.
await page.getByLabel("Power of origin").selectOption("RU");
await page.getByLabel("Detaining power").selectOption("UA");
await page.getByLabel("Captured at").fill("2026-11-26T05:10");
await page.getByRole("textbox", { name: "Place", exact: true }).fill("Kupiansk district");
const claim = page.getByRole("group", { name: "Identity claim", exact: true });
await claim.getByLabel("Source").selectOption("self_declared");
await claim.getByRole("textbox", { name: "Family name", exact: true }).fill("Кузьмичёв");
await claim.getByRole("textbox", { name: "Date of birth", exact: true }).fill("1994-02-31");
await claim.getByRole("textbox", { name: "Nationality", exact: true }).fill("Russia");
await page.getByRole("button", { name: "Register" }).click();
await shot(page, "07-captive-new-errors");
await page.goto(`${base}/captives/${captiveId}/edit/custody`);
await shot(page, "08-captive-custody-event");
await page.goto(`${base}/tracing`);
await shot(page, "09-tracing-requests");
await page.goto(`${base}/tracing/${requestId}`);
await shot(page, "10-tracing-request");
await page.goto(`${base}/tracing/new`);
await shot(page, "11-tracing-request-new");
await page.goto(`${base}/matches`);
await shot(page, "12-match-review");
await page.goto(`${base}/imports`);
await shot(page, "13-imports");
await page.setInputFiles("input[type=file]", {
  name: "list-example.csv",
  mimeType: "text/csv",
  buffer: Buffer.from("№,Фамилия,Имя,Отчество,Дата рождения,Часть\n1,Кимов,Алексей,Петрович,14.03.1999,\n2,Пак,Ён Су,,2003,\n"),
});
await page.locator("form[enctype='multipart/form-data'] button[type=submit]").click();
await shot(page, "14-import-mapping");
await page.goto(`${base}/imports/${importId}/report`);
await shot(page, "15-import-report");
await page.goto(`${base}/exchange`);
await shot(page, "16-exchange");
await page.locator("#f-side-UA").selectOption("1");
await page.locator("#f-side-RU").selectOption("2");
await page.locator("#f-side-KP").selectOption("2");
await page.locator("main form button[type=submit].primary").click();
await shot(page, "17-exchange-plan");
await page.goto(`${base}/media`);
await shot(page, "18-media-requests");
await page.goto(`${base}/media/${media.id}`);
await shot(page, "19-media-request");
await page.goto(`${base}/audit`);
await shot(page, "20-audit-log");
await page.goto(`${base}/users`);
await shot(page, "21-users");
await context.close();

const uk = await loginAs(browser, "registrar", { locale: "uk-UA" });
await uk.page.goto(`${base}/lang?to=uk&back=/`);
await shot(uk.page, "22-dashboard-ukrainian");
await uk.page.goto(`${base}/captives/${captiveId}`);
await shot(uk.page, "23-captive-ukrainian");
await uk.context.close();

const press = await loginAs(browser, "journalist");
await press.page.goto(`${base}/captives`);
await shot(press.page, "24-journalist-captives");
await press.page.goto(`${base}/captives/${captiveId}`);
await shot(press.page, "25-journalist-captive");
await press.context.close();

// A clerk's own account pages: password, API tokens, second factor.
const clerk = `clerk-${Date.now()}`;
await api("admin", "POST", "/api/users", { username: clerk, role: "registrar", password: "a long clerk password" });
const own = await loginWith(browser, clerk, "a long clerk password");
await own.page.goto(`${base}/password`);
await shot(own.page, "26-password");
await own.page.goto(`${base}/tokens`);
await own.page.getByLabel("Name").fill("nightly list import");
await own.page.getByRole("button", { name: "Create token" }).click();
await shot(own.page, "27-api-tokens");
await own.page.goto(`${base}/totp`);
await own.page.getByRole("button", { name: "Set up a new secret" }).click();
await shot(own.page, "28-second-factor");
await own.context.close();

// Exchanges as records: the negotiator's list, the exchange under way, two proposals
// side by side, the one still negotiating, the other side's manifest reconciled; the
// handover on a tablet as the ICRC delegate, and an officer's decision refused (Art. 109).
const exchanges = (await api("negotiator", "GET", "/api/exchanges?limit=500")).items;
const underway = exchanges.find((x) => x.state === "in_progress");
const negotiating = exchanges.find((x) => x.state === "negotiating");
const neg = await loginAs(browser, "negotiator");
await neg.page.goto(`${base}/exchanges`);
await shot(neg.page, "29-exchanges");
await neg.page.goto(`${base}/exchanges/${underway.id}`);
await shot(neg.page, "30-exchange");
await neg.page.goto(`${base}/exchanges/${underway.id}/proposals?a=1&b=2`);
await shot(neg.page, "31-exchange-proposals");
await neg.page.goto(`${base}/exchanges/${negotiating.id}`);
await shot(neg.page, "32-exchange-negotiating");
const ours = await api("negotiator", "GET", `/api/exchanges/${underway.id}/manifest?party=RU`);
// Their list: our persons as they write them (dates of birth from the registry), less
// one, and one we do not have.
const rows = [];
for (const e of ours.entries.slice(1)) {
  // Names as the party reads them: "Family Given Patronymic" in its script.
  const [family, given = "", ...patronymic] = e.person.name.split(/,?\s+/);
  const record = await api("admin", "GET", `/api/captives/${e.captive}`);
  const born = (record.identity_claims.find((c) => c.date_of_birth) || {}).date_of_birth || "";
  rows.push([family, given, patronymic.join(" "), born].join(","));
}
await neg.page.goto(`${base}/exchanges/${underway.id}`);
await neg.page.locator("#f-theirs-by").selectOption("RU");
await neg.page.setInputFiles("#f-theirs-file", {
  name: "their-manifest.csv",
  mimeType: "text/csv",
  buffer: Buffer.from(["Фамилия,Имя,Отчество,Дата рождения", ...rows, "Петренко,Остап,Ильич,1988-01-01"].join("\n") + "\n"),
});
await neg.page.getByRole("button", { name: "Reconcile with ours" }).click();
await neg.page.locator("#reconciliation").waitFor();
await shot(neg.page, "33-exchange-reconciled");
await neg.context.close();

const tabletView = { viewport: { width: 1024, height: 768 }, hasTouch: true };
const delegate = await loginAs(browser, "icrc_delegate", tabletView);
await delegate.page.goto(`${base}/exchanges/${underway.id}/handover?stage=${encodeURIComponent("bus 2")}`);
await shot(delegate.page, "34-exchange-handover");
await delegate.context.close();
const officer = await loginAs(browser, "negotiator", tabletView);
await officer.page.goto(`${base}/exchanges/${underway.id}/handover`);
const card = officer.page.locator("li.person", { has: officer.page.locator(".direction", { hasText: "UA → RU" }) }).first();
await card.getByText("Identity verified").tap();
await card.getByRole("button", { name: /^Handed over/ }).tap();
await officer.page.locator("li.person.refused").waitFor();
await shot(officer.page, "35-exchange-handover-refused");
await officer.context.close();

// The particulars of Art. 122 and the capture card, as the registrar records them.
const registrar = await loginAs(browser, "registrar");
await registrar.page.goto(`${base}/captives/${captiveId}/edit/particulars`);
await shot(registrar.page, "36-captive-particulars");
await registrar.context.close();
// Notifications to the powers of origin: the registrar's list of pending ones (late ones
// marked), Korea's dispatched through the form, a notification with its correction form,
// every overdue deadline, and what the ICRC delegate reads.
const desk = await loginAs(browser, "registrar");
await desk.page.goto(`${base}/notifications?state=pending`);
await shot(desk.page, "37-notifications");
await desk.page.locator("#dispatch").getByLabel("Power of origin").selectOption("KP");
await desk.page.locator("#dispatch").getByRole("button", { name: "Dispatch" }).click();
await desk.page.waitForURL(/\/notifications\/dispatches\//);
await shot(desk.page, "38-notifications-dispatch");
await desk.page.locator("#sent-rows a[href^='/notifications/']").first().click();
await desk.page.getByLabel("What is corrected").fill("The date of birth is 1994-02-17, not 1994-07-12.");
await desk.page.getByRole("button", { name: "Record the correction" }).click();
await desk.page.waitForURL(/corrected=1/);
await shot(desk.page, "39-notification-correction");
await desk.page.goto(`${base}/dashboard/overdue`);
await shot(desk.page, "40-overdue-deadlines");
await desk.context.close();
const reader = await loginAs(browser, "icrc_delegate");
await reader.page.goto(`${base}/notifications`);
await shot(reader.page, "41-notifications-icrc-delegate");
await reader.context.close();

// The story soldier's capture card as a page to print (Art. 70, Annex IV B), the form
// that records a death, and a captive's death with its open enquiry (Arts. 120-121).
{
  const clerk = await loginAs(browser, "registrar");
  await clerk.page.goto(`${base}/api/captives/${captiveId}/capture-card`);
  await shot(clerk.page, "44-capture-card-print-page");
  await clerk.page.goto(`${base}/captives/${held[0].id}/edit/death`);
  await shot(clerk.page, "45-captive-death-form");
  await clerk.page.goto(`${base}/captives/${held[held.length - 2].id}`);
  await clerk.page.getByRole("region", { name: /Death/ }).scrollIntoViewIfNeeded();
  await shot(clerk.page, "46-captive-death");
  await clerk.context.close();
}

await browser.close();
console.log(`${taken.length} screenshots in ${out}`);
