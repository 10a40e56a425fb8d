// Package store owns studyroll's bbolt file and every domain record in it:
// the organisation tree, the roster, plans, sessions, attendance, the
// reading-lead rotation, minutes, learning reports, exams, period locks,
// job runs, the chat robots and their outbox, and the hash-chained audit
// log. It never imports echo.
//
// Every bucket is created when the store opens; ids are NextSequence values
// stored as 8-byte big-endian keys (itob), so cursor order is numeric order;
// composite keys concatenate two such ids. Values are JSON unless noted.
//
//	meta
//	  version            → uint64 BE: schema version (see migrate.go)
//	  audit_head         → hex SHA-256 of the newest audit entry
//	groups               id → Group {id, name, parent_id}
//	members              id → Member {id, name, username, group_id, role, joined_on, left_on}
//	memberships          member id → [{group_id, role, from}]: dated membership (membership.go)
//	usernames            lower(username) → member id (8 bytes)
//	credentials          member id → bcrypt hash
//	tokens               SHA-256(token) → {member_id, created_at, expires_at}
//	audit                seq → AuditEntry {seq, at, actor_id, action, entity, entity_id,
//	                            before, after, flag, prev_hash, hash}
//	plans                id → Plan {id, group_id, period, title, items[], …}
//	items                item id → ContentItem {id, plan_id, title, due_on}
//	item_done            member id + item id → done instant
//	sessions             id → Session {id, group_id, title, starts_at, ends_at, place,
//	                            item_ids, lead_id, cancelled, closed_at, …}
//	session_secrets      session id → 32 random bytes (check-in code key)
//	attendance           session id + member id → binary record (see attendance_record.go;
//	                            note and makeup_note sealed, field_key.go)
//	leave_requests       session id + member id → leave request {reason (sealed), status, …}
//	rotations            group id → rotation order [member id]
//	reading_turns        session id → ReadingTurn {lead_id, material, notes}
//	shares               session id + seq → Share {member_id, summary}
//	questions            session id + seq → Question {asker_id, answerer_id, question, rating}
//	learning_reports     id → LearningReport {member_id, period, text, grade, comment (sealed)}
//	exams                id → Exam {group_id, title, held_on, max_score, excellent_score}
//	scores               exam id + member id → {score, updated_at}
//	period_locks         period ("2023Q3") → PeriodLock {locked_at, locked_by, revision, snapshot_sha256, stale}
//	period_snapshots     "2023Q3#0001" → PeriodSnapshot (the figures, tallies, 三会一课; each part's SHA-256)
//	                     "2023Q3#0001/s/<group id>" → the group's sessions, attendance packed (snapshot.go)
//	                     "2023Q3#0001/o" → exams with scores, activities, learning reports
//	jobs                 id → JobRun {kind, started_at, ended_at, done, total, result, error}
//	report_files         period + kind + subject id → generated file record
//	robots               id → robot record {Robot, raw_url, secret} (credentials never leave
//	                            the store but through RobotTarget)
//	reminder_settings    group id → ReminderSettings {name_absentees}
//	outbox               id → Message {robot_id, event, key, state, tries, last_error,
//	                            next_at, sent_at, notice}
//	outbox_keys          event key + 0x00 + robot id → message id: one message per robot
//	                            and event, ever
//	outbox_due           next_at (Unix ns, 8 bytes BE) + message id → robot id, for every
//	                            queued message: the sender's work list in time order
//	inspections          id → Inspection {title, starts_on, ends_on, inspector_ids,
//	                            target_group_ids, methods, …}
//	bank_questions       id → BankQuestion {question, answer, tags, item_id, retired}
//	inspection_draws     inspection id + draw id → Draw {group_id, seed, pairs[{member_id,
//	                            question_id, result}], …}
//	inspection_interviews inspection id + seq → Interview {member_ids, notes, held_on}
//	findings             id → Finding {inspection_id, group_id, category, severity,
//	                            responsible_id, deadline, state, evidence[], history[], …}
//	finding_evidence     finding id + file id → the file's raw bytes (JPEG, PNG, PDF)
//	questionnaires       id → Questionnaire {title, anonymous, audience_group_ids, questions[]}
//	questionnaire_answers questionnaire id + (member id | 16 random bytes when anonymous)
//	                            → {member_id?, at?, choices, texts}
//	questionnaire_takers questionnaire id + member id → 1 (who answered, not what)
//
// Each exported method is one transaction and adds its audit entries inside
// that transaction; lowercase helpers take the *bolt.Tx so they compose.
// Nothing returned aliases transaction memory: values are decoded or copied
// before the transaction ends.
package store
