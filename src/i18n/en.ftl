# The console's words in English. Every key here must be in lt.ftl, ru.ftl and uk.ftl too
# (a unit test checks). Keys are used by templates/*.html through t("key").

## Header and navigation
nav-workspace = Workspace
nav-calls = Calls
nav-complaints = Complaints
nav-callbacks = Callbacks
nav-surveys = Surveys
nav-agents = Agents
nav-reports = Reports
nav-wallboard = Wallboard
find-placeholder = Client phone
find-open = Open card
language-label = Language
language-browser = Browser's language
language-set = Set
log-out = Log out
role-agent = agent
role-supervisor = supervisor
role-admin = admin
live-title = Live
live-what = new complaints, escalations and callback requests
live-clear = clear
live-on = live
live-off = reconnecting
live-connecting = connecting
live-missed = {"{n}"} updates were missed; reload the page to see everything.

## Sign-in and errors
login-title = Sign in
login-heading = Sign in to the console
login-name = Name
login-password = Password
login-hint = An administrator sets your password with
login-session = Your session ends when you log out, after a while without use, and at the end of the day.
login-wrong = Wrong name or password.
error-back = Back to the calls list

## Shared words
col-at = At
col-by = By
col-agent = Agent
col-state = State
col-call = Call
col-client = Client
col-status = Status
col-languages = Languages
col-phone = Phone
col-started = Started
col-duration = Duration
col-outcome = Outcome
col-keys = Keys
col-lang = Lang
col-recording = Recording
field-language = Language
filter-from = From
filter-to = To
filter-any = any
filter-apply = Filter
filter-clear = Clear
times-in = Times in { $tz }.
unknown = unknown
in-progress = in progress
timeline = Timeline
newest-first = newest first
no = no
badge-vip = VIP
badge-dnc = Do not call

## Agent states, away reasons, disposition codes (the configured defaults)
state-available = available
state-away = away
state-ringing = ringing
state-in_call = in call
state-wrap_up = wrap up
reason-break = break
reason-lunch = lunch
reason-training = training
reason-meeting = meeting
reason-coaching = coaching
reason-missed-calls = missed calls
reason-phone-unreachable = phone unreachable
code-resolved = resolved
code-follow-up = follow-up
code-information = information
code-sale = sale
code-complaint = complaint
code-wrong-number = wrong number

## Calls
calls-own-only = You see your own calls only.
calls-play = play
calls-none = No calls match these filters.
calls-newest = Newest
calls-older = Older
call-title = Call
call-from = Call from { $phone }
call-unknown-number = an unknown number
call-client-card = client card
call-answered = Answered
call-ended = Ended
call-hung-up-by = hung up by { $who }
call-direction = Direction
call-id = Call id
call-channels = Left: caller · right: what the caller heard. Every play is written to the access-audit log.
call-no-recording = This call has no recording.
call-step = Step
call-detail = Detail
call-no-events = No events were recorded for this call.

## Client card
card-unnamed = Unnamed client
card-zone = Time zone
card-zone-default = – (from the number, else the company's)
card-hours = Working hours
card-hours-default = – (the default hours)
card-email = E-mail
card-needs = Special needs
card-priority = Queue priority
card-notes = Notes
card-updated = Card updated
card-lists = Lists
card-consultant = consultant
card-asked-via = asked via
card-what = What
card-summary = Summary
card-empty = Nothing has happened with this number yet.

## Complaints
complaints-tab-working = To do
complaints-tab-open = Open
complaints-tab-assigned = Assigned
complaints-tab-resolved = Resolved
complaints-tab-all = All
complaints-note = Oldest first. Every complaint is escalated to the supervisors when it is opened.
complaints-opened = Opened
complaints-escalated = Escalated
complaints-work = Work it
complaints-to = to { $who }
complaints-by = by { $who }
complaints-assign-to = assign to
complaints-assign = Assign
complaints-code = closure code
complaints-resolve = Resolve
complaints-none = No complaints here.

## Callbacks
sla-on-time = on time
sla-at-risk = at risk
sla-breached = breached
cb-due-now = due now
cb-note = Open requests in dispatch order (queue callbacks first). Each is due within the SLA of the company calendar; at risk: the planner could not fit it before its deadline; breached: the deadline has passed.
cb-requested = Requested
cb-why = Why
cb-slot = Slot
cb-deadline = Deadline
cb-attempts = Attempts
cb-for = for { $who }
cb-dnc-consent = DNC: consented to this callback
cb-place = place { $n }
cb-client-zone = client zone { $tz }
cb-left = { $h } h { $m } min left
cb-over = { $h } h { $m } min over
cb-none = No open callback requests.

## Surveys
sv-title = Survey figures
sv-show = Show
sv-last-30 = Last 30 days
sv-note = Callers rate the agent call 0–10. Promoters 9–10, passives 7–8, detractors 0–6; NPS = % promoters − % detractors.
sv-answers = answers
sv-promoters = promoters
sv-passives = passives
sv-detractors = detractors
sv-per-score = Answers per score
sv-by-agent = By agent
sv-none = No answers for agent calls in this period.

## Agents board
agents-none = No agents on the roster.
agents-waiting-node = callers waiting on this node
agents-note = Reload to refresh; the wallboard is live.

## The agent's workspace
ws-since = since
ws-presence = Presence
ws-available = Available
ws-away = Away:
ws-reason = Reason
ws-go-away = Go away
ws-done-presence = Presence changed.
ws-phone-unreachable = Your phone does not answer frontdesk's checks, so no calls are offered to you. Check that the phone is on and registered; you are back as soon as it answers.
ws-missed-away = You were set away after calls you did not answer (rings missed in a row: { $n }). Choose Available when you are ready.
ws-done-disposition = Disposition saved to the card.
ws-done-ready = Wrap-up ended: ready for the next call.
ws-done-more-time = More time given.
ws-caller = Caller
ws-menu-path = Menu path
ws-waited = Waited
ws-card = Card
ws-open-card = open the card
ws-last-calls = Last calls
ws-open-items = Open complaints and callbacks
ws-wrap-left = s left before the next call can ring.
ws-ready = Ready
ws-more-time = More time
ws-disposition = Disposition
ws-code = Code
ws-note = Note
ws-save = Save to the card
ws-the-call = the call
ws-my-day = My day
ws-day-calls = calls
ws-day-aht = s average handle time
ws-day-surveys = survey answers
ws-day-score = average score
ws-record = Presence record
ws-no-changes = No changes yet.
ws-none = none
ws-unknown-caller = Unknown caller
ws-due-by = due by
ws-at-risk = at risk

## Wallboard
wb-sl-rule = service level: answered within { $seconds } s
wb-waiting = callers waiting
wb-longest = longest wait (s)
wb-sl-15 = service level, last 15 min
wb-sl-today = service level, today
wb-abandoned = abandoned today
wb-answered = answered today
wb-cb-due = callbacks due
wb-cb-risk = callbacks at risk
wb-cb-breached = callbacks breached
wb-time-in-state = Time in state

## Reports
rp-by = By
rp-by-day = Day
rp-by-hour = Hour
rp-by-agent = Agent
rp-note = Offered: callers who joined the queue; abandoned: those who left it without an agent; service level: offered and answered within { $seconds } s; wait and handle time in seconds.
rp-offered = Offered
rp-answered = Answered
rp-abandoned = Abandoned
rp-sl = Service level
rp-wait = Average wait (s)
rp-handle = Average handle time (s)
rp-none = No calls in this period.

## Listening in on a live call (wallboard, call page)
mon-title = Listen in
mon-help = Your phone rings; answer it to join. Listen: you hear both sides. Whisper: only the agent hears you. Barge: everyone hears you. Keys 4, 5, 6 on your phone switch too.
mon-listen = Listen
mon-whisper = Whisper
mon-barge = Barge
mon-stop = Stop
mon-off = Not listening
mon-now-listen = Listening
mon-now-whisper = Whispering to the agent
mon-now-barge = Barged in: everyone hears you
mon-ringing = (your phone is ringing: answer it to join)
mon-stopped = Stopped: your phone was hung up.
mon-left = Your phone left the call.
mon-err-no-phone = There is no phone on your account: ask an administrator to set one.
mon-err-not-bridged = No agent is talking with the caller yet: try again once the agent has answered.
mon-err-monitored = Another supervisor is already listening to this call.
mon-err-not-live = This call has ended or is handled by another node.
mon-err-not-found = There is no such call.
mon-err-not-on = You are not on this call.
mon-err-forbidden = Only supervisors may listen in on calls.
mon-err-unauthorized = Your session has ended: sign in again.
mon-err-busy = The call is busy with other requests: try again in a moment.
mon-err-network = The server could not be reached: check the connection and try again.
mon-err-other = That did not work: try again.

## The call in progress on the agent's page (transfer, consultation, recording pause)
act-title = This call
act-rec-on = Recording
act-rec-paused = Recording paused
act-pause = Pause recording
act-resume = Resume recording
act-target = Pass the caller to
act-target-help = An agent (type their id or pick one), the queue ({ $queues }) or a number outside.
act-queue = back to the queue
act-transfer = Transfer
act-consult = Consult
act-complete = Complete transfer
act-cancel = Cancel
act-transferring = Passing the caller to {"{target}"}: you are released once they answer; if they do not, the caller stays with you.
act-consulting = Consulting {"{target}"}: the caller hears music. Complete the transfer to hand the caller over, or cancel to take them back.
act-completed = Transfer completed: the caller is with {"{target}"}.
act-cancelled = Consultation cancelled: the caller is back with you.
act-err-empty = Type or pick who to pass the caller to first.
act-err-not-bridged = The caller is not connected to you right now: try again once you are talking with them.
act-err-in-progress = A transfer or consultation is already under way: complete or cancel it first.
act-err-callback = A callback cannot be transferred.
act-err-not-live = This call has ended or is handled by another node.
act-err-not-recorded = This call is not being recorded, so there is nothing to pause.
act-err-no-consultation = No consultation is under way: the caller is with you.
act-err-bad-request = That target is not valid: an agent's id, a queue name or a number, at most { $max } letters, digits, +, *, ., _ or -.
act-err-forbidden = This is not your call: only its agent or a supervisor may do that.
act-err-not-found = There is no such call.
act-err-unauthorized = Your session has ended: sign in again.
act-err-busy = The call is busy with other requests: try again in a moment.
act-err-network = The server could not be reached: check the connection and try again.
act-err-other = That did not work: try again.
