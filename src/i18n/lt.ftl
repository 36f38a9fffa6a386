# Konsolės žodžiai lietuviškai (raktai tie patys kaip en.ftl).

## Header and navigation
nav-workspace = Darbo vieta
nav-calls = Skambučiai
nav-complaints = Skundai
nav-callbacks = Atgaliniai skambučiai
nav-surveys = Apklausos
nav-agents = Operatoriai
nav-reports = Ataskaitos
nav-wallboard = Stebėjimo lenta
find-placeholder = Kliento telefonas
find-open = Atverti kortelę
language-label = Kalba
language-browser = Naršyklės kalba
language-set = Nustatyti
log-out = Atsijungti
role-agent = operatorius
role-supervisor = vadovas
role-admin = administratorius
live-title = Tiesiogiai
live-what = nauji skundai, eskalavimai ir atgalinių skambučių prašymai
live-clear = išvalyti
live-on = tiesiogiai
live-off = jungiamasi iš naujo
live-connecting = jungiamasi
live-missed = Praleista atnaujinimų: {"{n}"}; perkraukite puslapį, kad matytumėte viską.

## Sign-in and errors
login-title = Prisijungti
login-heading = Prisijungimas prie konsolės
login-name = Vardas
login-password = Slaptažodis
login-hint = Slaptažodį nustato administratorius komanda
login-session = Sesija baigiasi atsijungus, po neveiklumo laiko ir dienos pabaigoje.
login-wrong = Neteisingas vardas arba slaptažodis.
error-back = Atgal į skambučių sąrašą

## Shared words
col-at = Laikas
col-by = Kas
col-agent = Operatorius
col-state = Būsena
col-call = Skambutis
col-client = Klientas
col-status = Būsena
col-languages = Kalbos
col-phone = Telefonas
col-started = Pradžia
col-duration = Trukmė
col-outcome = Rezultatas
col-keys = Klavišai
col-lang = Kalba
col-recording = Įrašas
field-language = Kalba
filter-from = Nuo
filter-to = Iki
filter-any = bet kuris
filter-apply = Filtruoti
filter-clear = Išvalyti
times-in = Laikas zonoje { $tz }.
unknown = nežinomas
in-progress = vyksta
timeline = Istorija
newest-first = naujausi viršuje
no = ne
badge-vip = VIP
badge-dnc = Neskambinti

## Agent states, away reasons, disposition codes (the configured defaults)
state-available = laisvas
state-away = pasišalinęs
state-ringing = skamba
state-in_call = kalba
state-wrap_up = baigia darbą
reason-break = pertrauka
reason-lunch = pietūs
reason-training = mokymai
reason-meeting = susitikimas
reason-coaching = konsultacija
reason-missed-calls = praleisti skambučiai
reason-phone-unreachable = telefonas nepasiekiamas
code-resolved = išspręsta
code-follow-up = reikia tęsti
code-information = informacija
code-sale = pardavimas
code-complaint = skundas
code-wrong-number = ne tas numeris

## Calls
calls-own-only = Matote tik savo skambučius.
calls-play = klausyti
calls-none = Pagal šiuos filtrus skambučių nėra.
calls-newest = Naujausi
calls-older = Senesni
call-title = Skambutis
call-from = Skambutis iš { $phone }
call-unknown-number = nežinomo numerio
call-client-card = kliento kortelė
call-answered = Atsiliepta
call-ended = Baigta
call-hung-up-by = padėjo { $who }
call-direction = Kryptis
call-id = Skambučio ID
call-channels = Kairėje: skambinantysis · dešinėje: ką jis girdėjo. Kiekvienas klausymas įrašomas į prieigos auditą.
call-no-recording = Šis skambutis neįrašytas.
call-step = Žingsnis
call-detail = Išsamiau
call-no-events = Šio skambučio įvykių neužfiksuota.

## Client card
card-unnamed = Klientas be vardo
card-zone = Laiko zona
card-zone-default = – (pagal numerį, kitaip įmonės)
card-hours = Darbo valandos
card-hours-default = – (numatytosios valandos)
card-email = El. paštas
card-needs = Ypatingi poreikiai
card-priority = Pirmumas eilėje
card-notes = Pastabos
card-updated = Kortelė atnaujinta
card-lists = Sąrašai
card-consultant = konsultantas
card-asked-via = paprašyta per
card-what = Kas
card-summary = Santrauka
card-empty = Su šiuo numeriu dar nieko neįvyko.

## Complaints
complaints-tab-working = Darbui
complaints-tab-open = Atviri
complaints-tab-assigned = Priskirti
complaints-tab-resolved = Išspręsti
complaints-tab-all = Visi
complaints-note = Seniausi viršuje. Kiekvienas skundas jį gavus eskaluojamas vadovams.
complaints-opened = Gautas
complaints-escalated = Eskaluotas
complaints-work = Veiksmai
complaints-to = { $who }
complaints-by = išsprendė { $who }
complaints-assign-to = kam priskirti
complaints-assign = Priskirti
complaints-code = uždarymo kodas
complaints-resolve = Išspręsti
complaints-none = Skundų nėra.

## Callbacks
sla-on-time = laiku
sla-at-risk = rizikoje
sla-breached = pavėluota
cb-due-now = reikia skambinti dabar
cb-note = Atviri prašymai skambinimo tvarka (eilės atgaliniai skambučiai pirmi). Kiekvienas turi būti atliktas per įmonės kalendoriaus SLA; rizikoje: planuotojas negalėjo jo sutalpinti iki termino; pavėluota: terminas praėjo.
cb-requested = Paprašyta
cb-why = Priežastis
cb-slot = Laikas
cb-deadline = Terminas
cb-attempts = Bandymai
cb-for = kam: { $who }
cb-dnc-consent = Neskambinti: sutiko su šiuo skambučiu
cb-place = vieta { $n }
cb-client-zone = kliento zona { $tz }
cb-left = liko { $h } val. { $m } min.
cb-over = vėluojama { $h } val. { $m } min.
cb-none = Atvirų atgalinių skambučių prašymų nėra.

## Surveys
sv-title = Apklausų rodikliai
sv-show = Rodyti
sv-last-30 = Paskutinės 30 dienų
sv-note = Skambinantieji vertina pokalbį su operatoriumi 0–10. Rekomenduotojai 9–10, neutralūs 7–8, kritikai 0–6; NPS = % rekomenduotojų − % kritikų.
sv-answers = atsakymai
sv-promoters = rekomenduotojai
sv-passives = neutralūs
sv-detractors = kritikai
sv-per-score = Atsakymai pagal balą
sv-by-agent = Pagal operatorių
sv-none = Per šį laikotarpį atsakymų apie operatorių pokalbius nėra.

## Agents board
agents-none = Operatorių sąraše nėra.
agents-waiting-node = laukiantys šiame mazge
agents-note = Perkraukite, kad atnaujintumėte; stebėjimo lenta atsinaujina pati.

## The agent's workspace
ws-since = nuo
ws-presence = Buvimas
ws-available = Laisvas
ws-away = Pasišalinęs:
ws-reason = Priežastis
ws-go-away = Pasišalinti
ws-done-presence = Buvimas pakeistas.
ws-phone-unreachable = Jūsų telefonas neatsako į frontdesk patikrinimus, todėl skambučiai jums nesiūlomi. Patikrinkite, ar telefonas įjungtas ir užregistruotas; kai tik jis atsakys, vėl būsite pasiekiami.
ws-missed-away = Jūs pažymėti kaip pasišalinęs, nes neatsiliepėte į skambučius (praleista iš eilės: { $n }). Kai būsite pasiruošę, pasirinkite „Laisvas“.
ws-done-disposition = Rezultatas įrašytas į kortelę.
ws-done-ready = Darbas po skambučio baigtas: galite priimti kitą skambutį.
ws-done-more-time = Pridėta laiko.
ws-caller = Skambinantysis
ws-menu-path = Meniu kelias
ws-waited = Laukė
ws-card = Kortelė
ws-open-card = atverti kortelę
ws-last-calls = Paskutiniai skambučiai
ws-open-items = Atviri skundai ir atgaliniai skambučiai
ws-wrap-left = s liko iki kito skambučio.
ws-ready = Pasiruošęs
ws-more-time = Daugiau laiko
ws-disposition = Rezultatas
ws-code = Kodas
ws-note = Pastaba
ws-save = Įrašyti į kortelę
ws-the-call = skambutis
ws-my-day = Mano diena
ws-day-calls = skambučiai
ws-day-aht = s vidutinė pokalbio trukmė
ws-day-surveys = apklausos atsakymai
ws-day-score = vidutinis balas
ws-record = Buvimo istorija
ws-no-changes = Pakeitimų dar nėra.
ws-none = nėra
ws-unknown-caller = Nežinomas skambinantysis
ws-due-by = terminas
ws-at-risk = rizikoje

## Wallboard
wb-sl-rule = aptarnavimo lygis: atsiliepta per { $seconds } s
wb-waiting = laukia eilėje
wb-longest = ilgiausias laukimas (s)
wb-sl-15 = aptarnavimo lygis, 15 min.
wb-sl-today = aptarnavimo lygis, šiandien
wb-abandoned = nutraukė šiandien
wb-answered = atsiliepta šiandien
wb-cb-due = atgaliniai skambučiai dabar
wb-cb-risk = atgaliniai skambučiai rizikoje
wb-cb-breached = pavėluoti atgaliniai skambučiai
wb-time-in-state = Laikas būsenoje

## Reports
rp-by = Grupuoti pagal
rp-by-day = Diena
rp-by-hour = Valanda
rp-by-agent = Operatorius
rp-note = Pasiūlyta: į eilę patekę skambinantieji; nutraukė: išėję iš eilės be operatoriaus; aptarnavimo lygis: pasiūlyti ir atsiliepti per { $seconds } s; laukimo ir pokalbio trukmė sekundėmis.
rp-offered = Pasiūlyta
rp-answered = Atsiliepta
rp-abandoned = Nutraukė
rp-sl = Aptarnavimo lygis
rp-wait = Vid. laukimas (s)
rp-handle = Vid. pokalbio trukmė (s)
rp-none = Per šį laikotarpį skambučių nėra.

## Listening in on a live call (wallboard, call page)
mon-title = Klausytis
mon-help = Suskambės jūsų telefonas; atsiliepkite, kad prisijungtumėte. Klausytis: girdite abi puses. Šnibždėti: jus girdi tik operatorius. Įsiterpti: jus girdi visi. Perjungti galima ir telefono klavišais 4, 5, 6.
mon-listen = Klausytis
mon-whisper = Šnibždėti
mon-barge = Įsiterpti
mon-stop = Baigti
mon-off = Neklausote
mon-now-listen = Klausotės
mon-now-whisper = Šnibždate operatoriui
mon-now-barge = Įsiterpėte: jus girdi visi
mon-ringing = (skambina jūsų telefonas: atsiliepkite, kad prisijungtumėte)
mon-stopped = Baigta: jūsų telefono ryšys nutrauktas.
mon-left = Jūsų telefonas atsijungė nuo skambučio.
mon-err-no-phone = Jūsų paskyroje nėra telefono: paprašykite administratoriaus jį nustatyti.
mon-err-not-bridged = Su skambinančiuoju dar nekalba joks operatorius: bandykite dar kartą, kai operatorius atsilieps.
mon-err-monitored = Šio skambučio jau klausosi kitas vadovas.
mon-err-not-live = Šis skambutis baigėsi arba jį aptarnauja kitas mazgas.
mon-err-not-found = Tokio skambučio nėra.
mon-err-not-on = Jūs nesate prisijungę prie šio skambučio.
mon-err-forbidden = Skambučių klausytis gali tik vadovai.
mon-err-unauthorized = Jūsų sesija baigėsi: prisijunkite iš naujo.
mon-err-busy = Skambutis užimtas kitomis užklausomis: netrukus bandykite dar kartą.
mon-err-network = Nepavyko pasiekti serverio: patikrinkite ryšį ir bandykite dar kartą.
mon-err-other = Nepavyko: bandykite dar kartą.

## The call in progress on the agent's page (transfer, consultation, recording pause)
act-title = Šis skambutis
act-rec-on = Įrašoma
act-rec-paused = Įrašymas pristabdytas
act-pause = Pristabdyti įrašymą
act-resume = Tęsti įrašymą
act-target = Perduoti skambinantįjį
act-target-help = Operatoriui (įveskite jo ID arba pasirinkite), į eilę ({ $queues }) arba išoriniu numeriu.
act-queue = atgal į eilę
act-transfer = Peradresuoti
act-consult = Pasitarti
act-complete = Užbaigti peradresavimą
act-cancel = Atšaukti
act-transferring = Skambinantįjį perduodame: {"{target}"}. Būsite atlaisvinti, kai adresatas atsilieps; jei neatsilieps, skambinantysis liks su jumis.
act-consulting = Tariatės su {"{target}"}: skambinantysis girdi muziką. Užbaikite peradresavimą, kad perduotumėte skambinantįjį, arba atšaukite, kad jį susigrąžintumėte.
act-completed = Peradresavimas užbaigtas: skambinantysis kalba su {"{target}"}.
act-cancelled = Pasitarimas atšauktas: skambinantysis vėl su jumis.
act-err-empty = Pirmiausia įveskite arba pasirinkite, kam perduoti skambinantįjį.
act-err-not-bridged = Skambinantysis dabar nesujungtas su jumis: bandykite dar kartą, kai kalbėsitės su juo.
act-err-in-progress = Peradresavimas ar pasitarimas jau vyksta: pirmiausia jį užbaikite arba atšaukite.
act-err-callback = Atgalinio skambučio peradresuoti negalima.
act-err-not-live = Šis skambutis baigėsi arba jį aptarnauja kitas mazgas.
act-err-not-recorded = Šis skambutis neįrašomas, todėl nėra ko pristabdyti.
act-err-no-consultation = Jokio pasitarimo nevyksta: skambinantysis su jumis.
act-err-bad-request = Netinkamas adresatas: operatoriaus ID, eilės pavadinimas arba numeris, ne daugiau kaip { $max } raidžių, skaitmenų, +, *, ., _ ar -.
act-err-forbidden = Tai ne jūsų skambutis: tai gali daryti tik jo operatorius arba vadovas.
act-err-not-found = Tokio skambučio nėra.
act-err-unauthorized = Jūsų sesija baigėsi: prisijunkite iš naujo.
act-err-busy = Skambutis užimtas kitomis užklausomis: netrukus bandykite dar kartą.
act-err-network = Nepavyko pasiekti serverio: patikrinkite ryšį ir bandykite dar kartą.
act-err-other = Nepavyko: bandykite dar kartą.
