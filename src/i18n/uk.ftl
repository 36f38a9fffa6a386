# Слова консолі українською (ключі ті самі, що в en.ftl).

## Header and navigation
nav-workspace = Робоче місце
nav-calls = Дзвінки
nav-complaints = Скарги
nav-callbacks = Зворотні дзвінки
nav-surveys = Опитування
nav-agents = Оператори
nav-reports = Звіти
nav-wallboard = Табло
find-placeholder = Телефон клієнта
find-open = Відкрити картку
language-label = Мова
language-browser = Мова браузера
language-set = Обрати
log-out = Вийти
role-agent = оператор
role-supervisor = керівник
role-admin = адміністратор
live-title = Наживо
live-what = нові скарги, ескалації та запити зворотного дзвінка
live-clear = очистити
live-on = наживо
live-off = перепідключення
live-connecting = підключення
live-missed = Пропущено оновлень: {"{n}"}; перезавантажте сторінку, щоб побачити все.

## Sign-in and errors
login-title = Увійти
login-heading = Вхід до консолі
login-name = Ім'я
login-password = Пароль
login-hint = Пароль встановлює адміністратор командою
login-session = Сеанс завершується після виходу, після періоду бездіяльності та наприкінці дня.
login-wrong = Неправильне ім'я або пароль.
error-back = До списку дзвінків

## Shared words
col-at = Час
col-by = Хто
col-agent = Оператор
col-state = Стан
col-call = Дзвінок
col-client = Клієнт
col-status = Статус
col-languages = Мови
col-phone = Телефон
col-started = Початок
col-duration = Тривалість
col-outcome = Підсумок
col-keys = Клавіші
col-lang = Мова
col-recording = Запис
field-language = Мова
filter-from = З
filter-to = По
filter-any = будь-який
filter-apply = Фільтрувати
filter-clear = Скинути
times-in = Час у поясі { $tz }.
unknown = невідомий
in-progress = триває
timeline = Історія
newest-first = спочатку нові
no = ні
badge-vip = VIP
badge-dnc = Не телефонувати

## Agent states, away reasons, disposition codes (the configured defaults)
state-available = вільний
state-away = відійшов
state-ringing = дзвонить
state-in_call = розмовляє
state-wrap_up = післяобробка
reason-break = перерва
reason-lunch = обід
reason-training = навчання
reason-meeting = нарада
reason-coaching = наставництво
reason-missed-calls = пропущені дзвінки
reason-phone-unreachable = телефон недоступний
code-resolved = вирішено
code-follow-up = потрібно продовжити
code-information = довідка
code-sale = продаж
code-complaint = скарга
code-wrong-number = не той номер

## Calls
calls-own-only = Ви бачите лише свої дзвінки.
calls-play = слухати
calls-none = Немає дзвінків за цими фільтрами.
calls-newest = Нові
calls-older = Старіші
call-title = Дзвінок
call-from = Дзвінок з { $phone }
call-unknown-number = невідомого номера
call-client-card = картка клієнта
call-answered = Відповідь
call-ended = Завершено
call-hung-up-by = поклав слухавку: { $who }
call-direction = Напрямок
call-id = ID дзвінка
call-channels = Ліворуч: абонент · праворуч: що він чув. Кожне прослуховування записується до журналу доступу.
call-no-recording = Цей дзвінок не записано.
call-step = Крок
call-detail = Деталі
call-no-events = Для цього дзвінка подій не записано.

## Client card
card-unnamed = Клієнт без імені
card-zone = Часовий пояс
card-zone-default = – (за номером, інакше пояс компанії)
card-hours = Робочі години
card-hours-default = – (типові години)
card-email = Ел. пошта
card-needs = Особливі потреби
card-priority = Пріоритет у черзі
card-notes = Нотатки
card-updated = Картку оновлено
card-lists = Списки
card-consultant = консультант
card-asked-via = запит через
card-what = Що
card-summary = Коротко
card-empty = З цим номером ще нічого не відбувалося.

## Complaints
complaints-tab-working = До роботи
complaints-tab-open = Відкриті
complaints-tab-assigned = Призначені
complaints-tab-resolved = Вирішені
complaints-tab-all = Усі
complaints-note = Спочатку старі. Кожну скаргу при надходженні ескалюють керівникам.
complaints-opened = Надійшла
complaints-escalated = Ескальовано
complaints-work = Дії
complaints-to = кому: { $who }
complaints-by = вирішив(ла) { $who }
complaints-assign-to = кому призначити
complaints-assign = Призначити
complaints-code = код закриття
complaints-resolve = Вирішити
complaints-none = Скарг немає.

## Callbacks
sla-on-time = вчасно
sla-at-risk = під загрозою
sla-breached = прострочено
cb-due-now = час телефонувати
cb-note = Відкриті запити в порядку набору (спочатку з черги). Кожен має бути виконано в межах SLA за календарем компанії; під загрозою: планувальник не зміг вкластися в строк; прострочено: строк минув.
cb-requested = Запит
cb-why = Причина
cb-slot = Час
cb-deadline = Строк
cb-attempts = Спроби
cb-for = для { $who }
cb-dnc-consent = Не телефонувати: згода на цей дзвінок
cb-place = місце { $n }
cb-client-zone = пояс клієнта { $tz }
cb-left = залишилось { $h } год { $m } хв
cb-over = прострочено на { $h } год { $m } хв
cb-none = Відкритих запитів зворотного дзвінка немає.

## Surveys
sv-title = Показники опитувань
sv-show = Показати
sv-last-30 = Останні 30 днів
sv-note = Абоненти оцінюють розмову з оператором від 0 до 10. Промоутери 9–10, нейтрали 7–8, критики 0–6; NPS = % промоутерів − % критиків.
sv-answers = відповідей
sv-promoters = промоутери
sv-passives = нейтрали
sv-detractors = критики
sv-per-score = Відповіді за оцінками
sv-by-agent = За операторами
sv-none = За цей період немає оцінок розмов з операторами.

## Agents board
agents-none = У списку немає операторів.
agents-waiting-node = чекають на цьому вузлі
agents-note = Оновіть сторінку, щоб побачити зміни; табло оновлюється само.

## The agent's workspace
ws-since = з
ws-presence = Присутність
ws-available = Вільний
ws-away = Відійшов:
ws-reason = Причина
ws-go-away = Відійти
ws-done-presence = Присутність змінено.
ws-phone-unreachable = Ваш телефон не відповідає на перевірки frontdesk, тому дзвінки вам не пропонуються. Перевірте, що телефон увімкнений і зареєстрований; щойно він відповість, ви знову доступні.
ws-missed-away = Вас переведено в статус «відійшов», бо ви не відповіли на дзвінки (пропущено поспіль: { $n }). Оберіть «Вільний», коли будете готові.
ws-done-disposition = Підсумок записано до картки.
ws-done-ready = Післяобробку завершено: можна приймати наступний дзвінок.
ws-done-more-time = Час додано.
ws-caller = Абонент
ws-menu-path = Шлях у меню
ws-waited = Чекав
ws-card = Картка
ws-open-card = відкрити картку
ws-last-calls = Останні дзвінки
ws-open-items = Відкриті скарги та зворотні дзвінки
ws-wrap-left = с до наступного дзвінка.
ws-ready = Готовий
ws-more-time = Ще час
ws-disposition = Підсумок дзвінка
ws-code = Код
ws-note = Нотатка
ws-save = Записати до картки
ws-the-call = дзвінок
ws-my-day = Мій день
ws-day-calls = дзвінків
ws-day-aht = с середній час обслуговування
ws-day-surveys = відповідей в опитуваннях
ws-day-score = середня оцінка
ws-record = Історія присутності
ws-no-changes = Змін ще немає.
ws-none = немає
ws-unknown-caller = Невідомий абонент
ws-due-by = строк
ws-at-risk = під загрозою

## Wallboard
wb-sl-rule = рівень обслуговування: відповідь протягом { $seconds } с
wb-waiting = чекають у черзі
wb-longest = найдовше чекає (с)
wb-sl-15 = рівень обслуговування, 15 хв
wb-sl-today = рівень обслуговування, сьогодні
wb-abandoned = не дочекалися сьогодні
wb-answered = відповіли сьогодні
wb-cb-due = зворотні дзвінки до набору
wb-cb-risk = зворотні дзвінки під загрозою
wb-cb-breached = прострочені зворотні дзвінки
wb-time-in-state = Час у стані

## Reports
rp-by = Групувати за
rp-by-day = День
rp-by-hour = Година
rp-by-agent = Оператор
rp-note = Надійшло: абоненти, що потрапили в чергу; не дочекалися: ті, хто вийшов з неї без оператора; рівень обслуговування: ті, що надійшли й отримали відповідь протягом { $seconds } с; очікування та обслуговування в секундах.
rp-offered = Надійшло
rp-answered = Відповіли
rp-abandoned = Не дочекалися
rp-sl = Рівень обслуговування
rp-wait = Середнє очікування (с)
rp-handle = Середнє обслуговування (с)
rp-none = За цей період дзвінків немає.

## Listening in on a live call (wallboard, call page)
mon-title = Прослуховування
mon-help = Задзвонить ваш телефон; відповідайте, щоб приєднатися. Слухати: ви чуєте обидві сторони. Суфлер: вас чує лише оператор. Втрутитися: вас чують усі. Перемикати можна й клавішами 4, 5, 6 на телефоні.
mon-listen = Слухати
mon-whisper = Суфлер
mon-barge = Втрутитися
mon-stop = Завершити
mon-off = Ви не слухаєте
mon-now-listen = Ви слухаєте
mon-now-whisper = Ви підказуєте операторові
mon-now-barge = Ви втрутилися: вас чують усі
mon-ringing = (дзвонить ваш телефон: відповідайте, щоб приєднатися)
mon-stopped = Завершено: ваш телефон відключено.
mon-left = Ваш телефон від'єднався від дзвінка.
mon-err-no-phone = У вашому обліковому записі немає телефону: попросіть адміністратора його вказати.
mon-err-not-bridged = З абонентом ще не розмовляє оператор: спробуйте знову, коли оператор відповість.
mon-err-monitored = Цей дзвінок уже слухає інший керівник.
mon-err-not-live = Цей дзвінок завершено або його обслуговує інший вузол.
mon-err-not-found = Такого дзвінка немає.
mon-err-not-on = Ви не приєднані до цього дзвінка.
mon-err-forbidden = Слухати дзвінки можуть лише керівники.
mon-err-unauthorized = Ваш сеанс завершено: увійдіть знову.
mon-err-busy = Дзвінок зайнятий іншими запитами: спробуйте за хвилину.
mon-err-network = Сервер недоступний: перевірте з'єднання та спробуйте знову.
mon-err-other = Не вдалося: спробуйте знову.

## The call in progress on the agent's page (transfer, consultation, recording pause)
act-title = Цей дзвінок
act-rec-on = Іде запис
act-rec-paused = Запис призупинено
act-pause = Призупинити запис
act-resume = Відновити запис
act-target = Передати абонента
act-target-help = Операторові (введіть його ID або виберіть), у чергу ({ $queues }) або на зовнішній номер.
act-queue = назад у чергу
act-transfer = Переадресувати
act-consult = Порадитися
act-complete = Завершити переадресацію
act-cancel = Скасувати
act-transferring = Абонента передаємо: {"{target}"}. Вас звільнять, щойно адресат відповість; якщо не відповість, абонент залишиться з вами.
act-consulting = Консультація з {"{target}"}: абонент чує музику. Завершіть переадресацію, щоб передати абонента, або скасуйте, щоб повернути його собі.
act-completed = Переадресацію завершено: абонент розмовляє з {"{target}"}.
act-cancelled = Консультацію скасовано: абонент знову з вами.
act-err-empty = Спочатку введіть або виберіть, кому передати абонента.
act-err-not-bridged = Абонент зараз не з'єднаний з вами: спробуйте ще раз, коли розмовлятимете з ним.
act-err-in-progress = Переадресація або консультація вже триває: спочатку завершіть або скасуйте її.
act-err-callback = Зворотний дзвінок переадресувати не можна.
act-err-not-live = Цей дзвінок завершено або його обслуговує інший вузол.
act-err-not-recorded = Цей дзвінок не записується, тож призупиняти нічого.
act-err-no-consultation = Консультації немає: абонент з вами.
act-err-bad-request = Неприпустимий адресат: ID оператора, назва черги або номер, не більше { $max } літер, цифр, +, *, ., _ або -.
act-err-forbidden = Це не ваш дзвінок: це може зробити лише його оператор або керівник.
act-err-not-found = Такого дзвінка немає.
act-err-unauthorized = Ваш сеанс завершився: увійдіть знову.
act-err-busy = Дзвінок зайнятий іншими запитами: спробуйте трохи згодом.
act-err-network = Сервер недоступний: перевірте з'єднання та спробуйте ще раз.
act-err-other = Не вдалося: спробуйте ще раз.
