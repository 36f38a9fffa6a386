# Слова консоли по-русски (ключи те же, что в en.ftl).

## Header and navigation
nav-workspace = Рабочее место
nav-calls = Звонки
nav-complaints = Жалобы
nav-callbacks = Обратные звонки
nav-surveys = Опросы
nav-agents = Операторы
nav-reports = Отчёты
nav-wallboard = Табло
find-placeholder = Телефон клиента
find-open = Открыть карточку
language-label = Язык
language-browser = Язык браузера
language-set = Выбрать
log-out = Выйти
role-agent = оператор
role-supervisor = руководитель
role-admin = администратор
live-title = В реальном времени
live-what = новые жалобы, эскалации и запросы обратного звонка
live-clear = очистить
live-on = онлайн
live-off = переподключение
live-connecting = подключение
live-missed = Пропущено обновлений: {"{n}"}; перезагрузите страницу, чтобы увидеть всё.

## Sign-in and errors
login-title = Войти
login-heading = Вход в консоль
login-name = Имя
login-password = Пароль
login-hint = Пароль задаёт администратор командой
login-session = Сеанс завершается при выходе, после периода бездействия и в конце дня.
login-wrong = Неверное имя или пароль.
error-back = К списку звонков

## Shared words
col-at = Время
col-by = Кто
col-agent = Оператор
col-state = Состояние
col-call = Звонок
col-client = Клиент
col-status = Статус
col-languages = Языки
col-phone = Телефон
col-started = Начало
col-duration = Длительность
col-outcome = Итог
col-keys = Клавиши
col-lang = Язык
col-recording = Запись
field-language = Язык
filter-from = С
filter-to = По
filter-any = любой
filter-apply = Отфильтровать
filter-clear = Сбросить
times-in = Время в поясе { $tz }.
unknown = неизвестен
in-progress = идёт
timeline = История
newest-first = сначала новые
no = нет
badge-vip = VIP
badge-dnc = Не звонить

## Agent states, away reasons, disposition codes (the configured defaults)
state-available = свободен
state-away = отошёл
state-ringing = звонит
state-in_call = разговаривает
state-wrap_up = постобработка
reason-break = перерыв
reason-lunch = обед
reason-training = обучение
reason-meeting = совещание
reason-coaching = наставничество
reason-missed-calls = пропущенные звонки
reason-phone-unreachable = телефон недоступен
code-resolved = решено
code-follow-up = нужно продолжить
code-information = справка
code-sale = продажа
code-complaint = жалоба
code-wrong-number = не тот номер

## Calls
calls-own-only = Вы видите только свои звонки.
calls-play = слушать
calls-none = Нет звонков по этим фильтрам.
calls-newest = Новые
calls-older = Старше
call-title = Звонок
call-from = Звонок с { $phone }
call-unknown-number = неизвестного номера
call-client-card = карточка клиента
call-answered = Ответ
call-ended = Завершён
call-hung-up-by = положил трубку: { $who }
call-direction = Направление
call-id = ID звонка
call-channels = Слева: звонящий · справа: что он слышал. Каждое прослушивание записывается в журнал доступа.
call-no-recording = У этого звонка нет записи.
call-step = Шаг
call-detail = Подробности
call-no-events = Для этого звонка события не записаны.

## Client card
card-unnamed = Клиент без имени
card-zone = Часовой пояс
card-zone-default = – (по номеру, иначе пояс компании)
card-hours = Рабочие часы
card-hours-default = – (часы по умолчанию)
card-email = Эл. почта
card-needs = Особые потребности
card-priority = Приоритет в очереди
card-notes = Заметки
card-updated = Карточка обновлена
card-lists = Списки
card-consultant = консультант
card-asked-via = запрошено через
card-what = Что
card-summary = Кратко
card-empty = С этим номером ещё ничего не происходило.

## Complaints
complaints-tab-working = В работу
complaints-tab-open = Открытые
complaints-tab-assigned = Назначенные
complaints-tab-resolved = Решённые
complaints-tab-all = Все
complaints-note = Сначала старые. Каждая жалоба при поступлении эскалируется руководителям.
complaints-opened = Поступила
complaints-escalated = Эскалирована
complaints-work = Действия
complaints-to = кому: { $who }
complaints-by = решил(а) { $who }
complaints-assign-to = кому назначить
complaints-assign = Назначить
complaints-code = код закрытия
complaints-resolve = Решить
complaints-none = Жалоб нет.

## Callbacks
sla-on-time = в срок
sla-at-risk = под угрозой
sla-breached = просрочен
cb-due-now = пора звонить
cb-note = Открытые запросы в порядке набора (сначала из очереди). Каждый должен быть выполнен в рамках SLA по календарю компании; под угрозой: планировщик не смог уложиться в срок; просрочен: срок прошёл.
cb-requested = Запрошен
cb-why = Причина
cb-slot = Время
cb-deadline = Срок
cb-attempts = Попытки
cb-for = для { $who }
cb-dnc-consent = Не звонить: согласие на этот звонок
cb-place = место { $n }
cb-client-zone = пояс клиента { $tz }
cb-left = осталось { $h } ч { $m } мин
cb-over = просрочено на { $h } ч { $m } мин
cb-none = Открытых запросов обратного звонка нет.

## Surveys
sv-title = Показатели опросов
sv-show = Показать
sv-last-30 = Последние 30 дней
sv-note = Звонящие оценивают разговор с оператором от 0 до 10. Промоутеры 9–10, нейтралы 7–8, критики 0–6; NPS = % промоутеров − % критиков.
sv-answers = ответов
sv-promoters = промоутеры
sv-passives = нейтралы
sv-detractors = критики
sv-per-score = Ответы по оценкам
sv-by-agent = По операторам
sv-none = За этот период нет оценок разговоров с операторами.

## Agents board
agents-none = В списке нет операторов.
agents-waiting-node = ожидают на этом узле
agents-note = Обновите страницу, чтобы увидеть изменения; табло обновляется само.

## The agent's workspace
ws-since = с
ws-presence = Присутствие
ws-available = Свободен
ws-away = Отошёл:
ws-reason = Причина
ws-go-away = Отойти
ws-done-presence = Присутствие изменено.
ws-phone-unreachable = Ваш телефон не отвечает на проверки frontdesk, поэтому звонки вам не предлагаются. Проверьте, что телефон включён и зарегистрирован; как только он ответит, вы снова доступны.
ws-missed-away = Вы переведены в статус «отошёл», так как не ответили на звонки (пропущено подряд: { $n }). Выберите «Свободен», когда будете готовы.
ws-done-disposition = Итог записан в карточку.
ws-done-ready = Постобработка завершена: можно принимать следующий звонок.
ws-done-more-time = Время добавлено.
ws-caller = Звонящий
ws-menu-path = Путь по меню
ws-waited = Ждал
ws-card = Карточка
ws-open-card = открыть карточку
ws-last-calls = Последние звонки
ws-open-items = Открытые жалобы и обратные звонки
ws-wrap-left = с до следующего звонка.
ws-ready = Готов
ws-more-time = Ещё время
ws-disposition = Итог звонка
ws-code = Код
ws-note = Заметка
ws-save = Записать в карточку
ws-the-call = звонок
ws-my-day = Мой день
ws-day-calls = звонков
ws-day-aht = с среднее время обслуживания
ws-day-surveys = ответов в опросах
ws-day-score = средняя оценка
ws-record = История присутствия
ws-no-changes = Изменений пока нет.
ws-none = нет
ws-unknown-caller = Неизвестный звонящий
ws-due-by = срок
ws-at-risk = под угрозой

## Wallboard
wb-sl-rule = уровень обслуживания: ответ в течение { $seconds } с
wb-waiting = ждут в очереди
wb-longest = дольше всех ждёт (с)
wb-sl-15 = уровень обслуживания, 15 мин
wb-sl-today = уровень обслуживания, сегодня
wb-abandoned = не дождались сегодня
wb-answered = отвечено сегодня
wb-cb-due = обратные звонки к набору
wb-cb-risk = обратные звонки под угрозой
wb-cb-breached = просроченные обратные звонки
wb-time-in-state = Время в состоянии

## Reports
rp-by = Группировать по
rp-by-day = День
rp-by-hour = Час
rp-by-agent = Оператор
rp-note = Поступило: звонящие, попавшие в очередь; не дождались: покинувшие её без оператора; уровень обслуживания: поступившие и отвеченные в течение { $seconds } с; ожидание и обслуживание в секундах.
rp-offered = Поступило
rp-answered = Отвечено
rp-abandoned = Не дождались
rp-sl = Уровень обслуживания
rp-wait = Среднее ожидание (с)
rp-handle = Среднее обслуживание (с)
rp-none = За этот период звонков нет.

## Listening in on a live call (wallboard, call page)
mon-title = Прослушивание
mon-help = Зазвонит ваш телефон; ответьте, чтобы подключиться. Слушать: вы слышите обе стороны. Суфлёр: вас слышит только оператор. Вмешаться: вас слышат все. Переключать можно и клавишами 4, 5, 6 на телефоне.
mon-listen = Слушать
mon-whisper = Суфлёр
mon-barge = Вмешаться
mon-stop = Завершить
mon-off = Вы не слушаете
mon-now-listen = Вы слушаете
mon-now-whisper = Вы подсказываете оператору
mon-now-barge = Вы вмешались: вас слышат все
mon-ringing = (звонит ваш телефон: ответьте, чтобы подключиться)
mon-stopped = Завершено: ваш телефон отключён.
mon-left = Ваш телефон отключился от звонка.
mon-err-no-phone = В вашей учётной записи нет телефона: попросите администратора его указать.
mon-err-not-bridged = С абонентом ещё не разговаривает оператор: попробуйте снова, когда оператор ответит.
mon-err-monitored = Этот звонок уже слушает другой руководитель.
mon-err-not-live = Этот звонок завершён или обслуживается другим узлом.
mon-err-not-found = Такого звонка нет.
mon-err-not-on = Вы не подключены к этому звонку.
mon-err-forbidden = Слушать звонки могут только руководители.
mon-err-unauthorized = Ваш сеанс завершён: войдите снова.
mon-err-busy = Звонок занят другими запросами: попробуйте через минуту.
mon-err-network = Сервер недоступен: проверьте соединение и попробуйте снова.
mon-err-other = Не получилось: попробуйте снова.

## The call in progress on the agent's page (transfer, consultation, recording pause)
act-title = Этот звонок
act-rec-on = Идёт запись
act-rec-paused = Запись приостановлена
act-pause = Приостановить запись
act-resume = Возобновить запись
act-target = Передать звонящего
act-target-help = Оператору (введите его ID или выберите), в очередь ({ $queues }) или на внешний номер.
act-queue = обратно в очередь
act-transfer = Перевести
act-consult = Посоветоваться
act-complete = Завершить перевод
act-cancel = Отменить
act-transferring = Звонящего передаём: {"{target}"}. Вы освободитесь, когда адресат ответит; если не ответит, звонящий останется с вами.
act-consulting = Консультация с {"{target}"}: звонящий слышит музыку. Завершите перевод, чтобы передать звонящего, или отмените, чтобы вернуть его себе.
act-completed = Перевод завершён: звонящий говорит с {"{target}"}.
act-cancelled = Консультация отменена: звонящий снова с вами.
act-err-empty = Сначала введите или выберите, кому передать звонящего.
act-err-not-bridged = Звонящий сейчас не соединён с вами: попробуйте снова, когда будете с ним говорить.
act-err-in-progress = Перевод или консультация уже идёт: сначала завершите или отмените их.
act-err-callback = Обратный звонок перевести нельзя.
act-err-not-live = Этот звонок завершён или обслуживается другим узлом.
act-err-not-recorded = Этот звонок не записывается, приостанавливать нечего.
act-err-no-consultation = Консультации нет: звонящий с вами.
act-err-bad-request = Недопустимый адресат: ID оператора, название очереди или номер, не более { $max } букв, цифр, +, *, ., _ или -.
act-err-forbidden = Это не ваш звонок: это может сделать только его оператор или руководитель.
act-err-not-found = Такого звонка нет.
act-err-unauthorized = Ваш сеанс завершён: войдите снова.
act-err-busy = Звонок занят другими запросами: попробуйте чуть позже.
act-err-network = Сервер недоступен: проверьте соединение и попробуйте снова.
act-err-other = Не получилось: попробуйте снова.
