// Words of the console in Simplified Chinese (first) and English, and the
// language switch: the browser's language picks one, a click on the switch
// overrides it and localStorage remembers the choice.

const zh = {
  'app.title': '12355 青少年心理个案派单',
  'app.dashboard': '督导工作台',
  'app.me': '我的个案',
  'app.signin': '登录',
  'lang.switch': 'English',
  'lang.switch.label': '切换为英文界面',
  'nav.signout': '退出登录',
  'nav.skip': '跳到主要内容',
  'role.counselor': '咨询师',
  'role.supervisor': '督导',
  'role.viewer': '观察员（只读）',

  'state.CASE_QUEUED': '排队中',
  'state.CASE_OFFERED': '已派单',
  'state.CASE_ACTIVE': '处理中',
  'state.CASE_RESOLVED': '已办结',
  'state.CASE_CANCELLED': '已取消',
  'risk.RISK_LOW': '低风险',
  'risk.RISK_MEDIUM': '中风险',
  'risk.RISK_HIGH': '高风险',
  'risk.RISK_CRISIS': '危机',
  'group.GROUP_JUVENILE_OFFENDER': '罪错青少年',
  'group.GROUP_SERIOUS_MISBEHAVIOR': '严重不良行为青少年',
  'group.GROUP_HARDSHIP': '困境青少年',
  'mode.MODE_PHONE': '电话咨询',
  'mode.MODE_ONLINE': '网络咨询',
  'mode.MODE_SITE_VISIT': '到站面询',
  'mode.MODE_HOME_VISIT': '上门服务',
  'outcome.OUTCOME_COUNSELED': '咨询解答',
  'outcome.OUTCOME_HOME_VISIT': '上门化解',
  'outcome.OUTCOME_REFERRED_MEDICAL': '转介医疗机构',
  'outcome.OUTCOME_REFERRED_LEGAL': '转介司法/法律援助',
  'outcome.OUTCOME_UNREACHABLE': '无法联系',
  'outcome.OUTCOME_OTHER': '其他',
  'concern.depression': '抑郁',
  'concern.anxiety': '焦虑',
  'concern.grief': '丧失与哀伤',
  'concern.self_harm': '自伤',
  'concern.exam_stress': '考试压力',
  'concern.family_conflict': '家庭矛盾',
  'concern.school_bullying': '校园欺凌',
  'rule.continuity': '延续原咨询师',
  'rule.skill': '专长最匹配',
  'rule.load': '负荷最低',
  'rule.idle': '空闲最久',
  'rule.id': '编号顺序',
  'rule.only': '唯一合适人选',
  'rule.broadcast': '危机群发',
  'rule.assigned': '督导指派',
  'reasonCode.accepted_by_other': '他人已接单',
  'reasonCode.reassigned': '督导改派',
  'reasonCode.off_duty': '已下班',
  'event.case.created': '收到转介',
  'event.case.offered': '派单',
  'event.case.offer_withdrawn': '撤回派单',
  'event.case.accepted': '已接单',
  'event.case.declined': '拒绝接单',
  'event.case.offer_expired': '派单超时',
  'event.case.released': '退回队列',
  'event.case.resolved': '办结',
  'event.case.cancelled': '取消',
  'event.case.escalated': '升级',
  'event.case.waiting': '等待原咨询师',
  'event.counselor.availability': '签到状态变更',
  'event.case.reprioritised': '调整风险等级',
  'actor.system': '系统',
  'actor.platform': '省12355平台',
  'actor.counselor': '咨询师',
  'actor.supervisor': '督导',

  'wait.no_duty': '当前没有值班咨询师擅长“{0}”',
  'wait.capacity': '值班中擅长“{0}”的咨询师均已满负荷',
  'wait.continuity': '等待原咨询师 {0}',
  'wait.unknown': '等待原因：{0}',

  'live.connected': '实时连接正常',
  'live.disconnected': '与服务器的连接已断开，正在自动重连……',
  'live.resync': '事件有缺口，已重新加载全部数据',
  'offline': '网络已断开。恢复后会自动补齐错过的派单和个案。',
  'online.back': '网络已恢复，数据已更新。',

  'dash.alarm': '危机警报',
  'dash.alarm.text': '{0} 个危机/升级个案需要立即处理',
  'dash.alarm.silence': '静音',
  'dash.alarm.sound': '开启声音',
  'dash.notify.enable': '开启桌面通知',
  'dash.notify.crisis': '危机个案 {0} 超过 {1} 秒未被接单',
  'dash.queue': '个案队列',
  'dash.queue.empty': '当前没有待处理个案',
  'dash.escalated': '危机与升级个案',
  'dash.counselors': '咨询师（按站点、班次）',
  'dash.coverage': '未来一周排班缺口',
  'dash.coverage.none': '未来 7 天没有排班缺口',
  'dash.parked': '回调失败（已暂停）',
  'dash.parked.none': '没有暂停的回调',
  'dash.chart': '每小时转介、派单、接单',
  'dash.summary': '概况',
  'dash.oldest': '最久等待',
  'dash.onDuty': '值班',
  'dash.onDutyNow': '在班',
  'dash.available': '可接单',
  'dash.busy': '满负荷',
  'dash.level': '升级 {0} 级',
  'col.case': '个案',
  'col.risk': '风险',
  'col.state': '状态',
  'col.concerns': '问题类型',
  'col.mode': '方式',
  'col.waiting': '已等待',
  'col.reason': '等待原因 / 下次可派时间',
  'col.counselor': '咨询师',
  'col.site': '站点',
  'col.shift': '班次',
  'col.onDuty': '值班',
  'col.signedIn': '签到',
  'col.load': '负荷/容量',
  'col.wrapUp': '整理时间',
  'col.missed': '错过派单',
  'col.nextDuty': '下次值班',
  'col.day': '日期',
  'col.gap': '缺口',
  'col.callback': '回调',
  'col.attempts': '尝试次数',
  'col.lastError': '最后错误',
  'col.parkedAt': '暂停时间',
  'yes': '是',
  'no': '否',
  'none': '—',
  'gap.specialty': '缺少专长：{0}',
  'gap.county': '无人可上门：{0}',
  'gap.crisis': '无危机干预培训人员',
  'chart.referrals': '转介',
  'chart.offers': '派单',
  'chart.accepts': '接单',
  'chart.desc': '最近 12 小时每小时的转介、派单和接单数量',
  'nextEligible': '下次可派：{0}',
  'nextEligible.none': '7 天内无合适人选值班',
  'notOnDuty': '未值班',

  'drawer.title': '个案详情',
  'drawer.close': '关闭',
  'drawer.history': '处理记录',
  'drawer.reveal': '查看联系方式',
  'drawer.reveal.note': '查看将被记录在审计日志中。',
  'drawer.contact': '联系方式',
  'drawer.summary': '情况摘要',
  'drawer.groups': '重点群体',
  'drawer.county': '区县',
  'drawer.age': '年龄段',
  'drawer.received': '平台受理时间',
  'drawer.offeredTo': '群发对象',
  'drawer.outcome': '办结方式',
  'action.assign': '指派',
  'action.assign.to': '指派给',
  'action.cancel': '取消个案',
  'action.risk': '调整风险等级',
  'action.retry': '重试',
  'action.reason': '原因',
  'action.confirm': '确认',
  'action.back': '返回',
  'confirm.assign': '确定将个案 {0} 指派给 {1}？',
  'confirm.cancel': '确定取消个案 {0}？取消后不可恢复。',
  'confirm.risk': '确定将个案 {0} 的风险等级改为“{1}”？',
  'done.assign': '已指派',
  'done.cancel': '已取消个案',
  'done.risk': '风险等级已调整',
  'done.retry': '已重新排队发送',
  'viewer.note': '观察员只能查看，不能操作。',
  'viewer.sealed': '联系方式和情况摘要仅对督导开放。',

  'me.duty': '值班',
  'me.onDuty': '当前在班：{0}',
  'me.offDuty': '当前不在班',
  'me.nextShift': '下一班：{0}',
  'me.signedIn': '已签到，可接新个案',
  'me.signedOut': '已签退，不接新个案',
  'me.availability': '接单状态',
  'me.unknown': '状态未知：打开即签到',
  'me.offers': '新派单',
  'me.offers.none': '暂无派单',
  'me.expires': '剩余 {0} 秒',
  'me.expired': '已超时',
  'me.accept': '接单',
  'me.decline': '拒绝',
  'me.decline.reason': '拒绝原因',
  'me.decline.busy': '正在处理其他个案',
  'me.decline.skill': '不擅长此类问题',
  'me.decline.conflict': '与来访者有利益冲突',
  'me.decline.unwell': '身体不适',
  'me.decline.other': '其他原因',
  'me.freeText': '补充说明（可选）',
  'me.cases': '我的个案',
  'me.cases.none': '暂无进行中的个案',
  'me.call': '拨打 {0}',
  'me.resolve': '办结',
  'me.outcome': '办结方式',
  'me.note': '办结记录（可选）',
  'me.release': '退回队列',
  'me.release.reason': '退回原因',
  'me.notify.offer': '新派单：{0}',
  'me.offer.facts': '派单信息',
  'me.enableAlerts': '开启声音和通知',

  'signin.title': '登录 12355 个案派单系统',
  'signin.id': '工号',
  'signin.token': '口令',
  'signin.submit': '登录',
  'signin.code': '正在使用一次性登录链接……',
  'signin.expired': '登录已过期，请重新登录。',
  'signin.out': '您已退出登录。',

  'time.s': '{0} 秒',
  'time.m': '{0} 分 {1} 秒',
  'time.h': '{0} 小时 {1} 分',
  'loading': '加载中……',

  'err.network': '无法连接服务器，请检查网络后重试。',
  'err.UNAUTHENTICATED': '登录已失效，请重新登录。',
  'err.PERMISSION_DENIED': '您没有权限执行此操作。',
  'err.NOT_FOUND': '找不到该个案或记录。',
  'err.CONFLICT': '个案状态已变化，无法执行此操作。',
  'err.INVALID_ARGUMENT': '输入有误：{0}',
  'err.RESOURCE_EXHAUSTED': '请求过多，请稍后再试。',
  'err.UNAVAILABLE': '服务暂时不可用，请稍后重试。',
  'err.INTERNAL': '服务器内部错误，请联系管理员。',
  'err.csrf': '安全校验失败，请刷新页面后重试。',
  'err.signin': '工号或口令错误。',
  'err.code': '登录链接无效或已使用，请联系督导重新生成。',
  'err.unknown': '操作失败（{0}）。',
  'msg.expired': '派单已超时，个案已回到队列。',
  'msg.withdrawn': '派单已被撤回：他人已接单、督导改派或您的班次已结束。',
  'msg.notOffered': '此个案未派给您。',
  'msg.badState': '个案当前状态不允许此操作。',
  'msg.offDuty': '该咨询师当前不在班。',
  'msg.signedOut': '该咨询师已签退。',
  'msg.full': '该咨询师已满负荷。',
  'msg.notYours': '此个案未派给您，也不由您负责。',
};

const en = {
  'app.title': '12355 youth counseling dispatch',
  'app.dashboard': 'Supervisor dashboard',
  'app.me': 'My cases',
  'app.signin': 'Sign in',
  'lang.switch': '中文',
  'lang.switch.label': 'Switch to Chinese',
  'nav.signout': 'Sign out',
  'nav.skip': 'Skip to main content',
  'role.counselor': 'Counselor',
  'role.supervisor': 'Supervisor',
  'role.viewer': 'Viewer (read-only)',
  'state.CASE_QUEUED': 'Queued',
  'state.CASE_OFFERED': 'Offered',
  'state.CASE_ACTIVE': 'Active',
  'state.CASE_RESOLVED': 'Resolved',
  'state.CASE_CANCELLED': 'Cancelled',
  'risk.RISK_LOW': 'Low',
  'risk.RISK_MEDIUM': 'Medium',
  'risk.RISK_HIGH': 'High',
  'risk.RISK_CRISIS': 'Crisis',
  'group.GROUP_JUVENILE_OFFENDER': 'Juvenile offender',
  'group.GROUP_SERIOUS_MISBEHAVIOR': 'Serious misbehaviour',
  'group.GROUP_HARDSHIP': 'Youth in hardship',
  'mode.MODE_PHONE': 'Phone',
  'mode.MODE_ONLINE': 'Online',
  'mode.MODE_SITE_VISIT': 'Site visit',
  'mode.MODE_HOME_VISIT': 'Home visit',
  'outcome.OUTCOME_COUNSELED': 'Counseled',
  'outcome.OUTCOME_HOME_VISIT': 'Resolved on a home visit',
  'outcome.OUTCOME_REFERRED_MEDICAL': 'Referred to medical care',
  'outcome.OUTCOME_REFERRED_LEGAL': 'Referred to legal aid',
  'outcome.OUTCOME_UNREACHABLE': 'Unreachable',
  'outcome.OUTCOME_OTHER': 'Other',
  'concern.depression': 'Depression',
  'concern.anxiety': 'Anxiety',
  'concern.grief': 'Grief',
  'concern.self_harm': 'Self-harm',
  'concern.exam_stress': 'Exam stress',
  'concern.family_conflict': 'Family conflict',
  'concern.school_bullying': 'School bullying',
  'rule.continuity': 'continuity',
  'rule.skill': 'best skill',
  'rule.load': 'lowest load',
  'rule.idle': 'idle longest',
  'rule.id': 'id order',
  'rule.only': 'only match',
  'rule.broadcast': 'crisis broadcast',
  'rule.assigned': 'assigned by supervisor',
  'reasonCode.accepted_by_other': 'accepted by another',
  'reasonCode.reassigned': 'reassigned',
  'reasonCode.off_duty': 'shift ended',
  'event.case.created': 'Referral received',
  'event.case.offered': 'Offered',
  'event.case.offer_withdrawn': 'Offer withdrawn',
  'event.case.accepted': 'Accepted',
  'event.case.declined': 'Declined',
  'event.case.offer_expired': 'Offer expired',
  'event.case.released': 'Released',
  'event.case.resolved': 'Resolved',
  'event.case.cancelled': 'Cancelled',
  'event.case.escalated': 'Escalated',
  'event.case.waiting': 'Waiting for continuity',
  'event.counselor.availability': 'Availability',
  'event.case.reprioritised': 'Risk changed',
  'actor.system': 'system',
  'actor.platform': '12355 platform',
  'actor.counselor': 'counselor',
  'actor.supervisor': 'supervisor',
  'wait.no_duty': 'no counselor on duty holds "{0}"',
  'wait.capacity': 'every counselor on duty who holds "{0}" is at capacity',
  'wait.continuity': 'waiting for continuity counselor {0}',
  'wait.unknown': '{0}',
  'live.connected': 'Live',
  'live.disconnected': 'Disconnected from the server; reconnecting…',
  'live.resync': 'Events had a gap; every view was reloaded',
  'offline': 'You are offline. Missed offers and cases will load when you are back.',
  'online.back': 'Back online; everything is up to date.',
  'dash.alarm': 'Crisis alarm',
  'dash.alarm.text': '{0} crisis/escalated case(s) need attention now',
  'dash.alarm.silence': 'Mute',
  'dash.alarm.sound': 'Sound on',
  'dash.notify.enable': 'Enable notifications',
  'dash.notify.crisis': 'Crisis case {0} not accepted within {1} s',
  'dash.queue': 'Queue',
  'dash.queue.empty': 'No open cases',
  'dash.escalated': 'Crisis and escalated',
  'dash.counselors': 'Counselors by site and shift',
  'dash.coverage': 'Coverage gaps, next 7 days',
  'dash.coverage.none': 'No coverage gaps in the next 7 days',
  'dash.parked': 'Parked callbacks',
  'dash.parked.none': 'No parked callbacks',
  'dash.chart': 'Referrals, offers and accepts per hour',
  'dash.summary': 'Overview',
  'dash.oldest': 'Oldest wait',
  'dash.onDuty': 'On duty',
  'dash.onDutyNow': 'now',
  'dash.available': 'Available',
  'dash.busy': 'At capacity',
  'dash.level': 'level {0}',
  'col.case': 'Case',
  'col.risk': 'Risk',
  'col.state': 'State',
  'col.concerns': 'Concerns',
  'col.mode': 'Mode',
  'col.waiting': 'Waiting',
  'col.reason': 'Wait reason / next eligible',
  'col.counselor': 'Counselor',
  'col.site': 'Site',
  'col.shift': 'Shift',
  'col.onDuty': 'On duty',
  'col.signedIn': 'Signed in',
  'col.load': 'Load/capacity',
  'col.wrapUp': 'Wrap-up',
  'col.missed': 'Missed offers',
  'col.nextDuty': 'Next on duty',
  'col.day': 'Day',
  'col.gap': 'Gap',
  'col.callback': 'Callback',
  'col.attempts': 'Attempts',
  'col.lastError': 'Last error',
  'col.parkedAt': 'Parked at',
  'yes': 'yes',
  'no': 'no',
  'none': '—',
  'gap.specialty': 'no one holds {0}',
  'gap.county': 'no one can visit {0}',
  'gap.crisis': 'no crisis-trained counselor',
  'chart.referrals': 'Referrals',
  'chart.offers': 'Offers',
  'chart.accepts': 'Accepts',
  'chart.desc': 'Referrals, offers and accepts per hour over the last 12 hours',
  'nextEligible': 'next eligible: {0}',
  'nextEligible.none': 'nobody eligible on duty within 7 days',
  'notOnDuty': 'off duty',
  'drawer.title': 'Case details',
  'drawer.close': 'Close',
  'drawer.history': 'History',
  'drawer.reveal': 'Show contact details',
  'drawer.reveal.note': 'Opening them is recorded in the audit log.',
  'drawer.contact': 'Contact',
  'drawer.summary': 'Summary',
  'drawer.groups': 'Priority groups',
  'drawer.county': 'County',
  'drawer.age': 'Age band',
  'drawer.received': 'Received by the platform',
  'drawer.offeredTo': 'Broadcast to',
  'drawer.outcome': 'Outcome',
  'action.assign': 'Assign',
  'action.assign.to': 'Assign to',
  'action.cancel': 'Cancel case',
  'action.risk': 'Change risk',
  'action.retry': 'Retry',
  'action.reason': 'Reason',
  'action.confirm': 'Confirm',
  'action.back': 'Back',
  'confirm.assign': 'Assign case {0} to {1}?',
  'confirm.cancel': 'Cancel case {0}? This cannot be undone.',
  'confirm.risk': 'Change the risk of case {0} to "{1}"?',
  'done.assign': 'Assigned',
  'done.cancel': 'Case cancelled',
  'done.risk': 'Risk changed',
  'done.retry': 'Queued for sending again',
  'viewer.note': 'Viewers can look but not act.',
  'viewer.sealed': 'Contact and summary are for supervisors only.',
  'me.duty': 'Duty',
  'me.onDuty': 'On duty now: {0}',
  'me.offDuty': 'Not on duty now',
  'me.nextShift': 'Next shift: {0}',
  'me.signedIn': 'Signed in: taking new cases',
  'me.signedOut': 'Signed out: no new cases',
  'me.availability': 'Taking cases',
  'me.unknown': 'Unknown: switch on to sign in',
  'me.offers': 'New offers',
  'me.offers.none': 'No offers',
  'me.expires': '{0} s left',
  'me.expired': 'expired',
  'me.accept': 'Accept',
  'me.decline': 'Decline',
  'me.decline.reason': 'Reason for declining',
  'me.decline.busy': 'Busy with another case',
  'me.decline.skill': 'Not my field',
  'me.decline.conflict': 'Conflict of interest',
  'me.decline.unwell': 'Unwell',
  'me.decline.other': 'Other',
  'me.freeText': 'Details (optional)',
  'me.cases': 'My cases',
  'me.cases.none': 'No active cases',
  'me.call': 'Call {0}',
  'me.resolve': 'Resolve',
  'me.outcome': 'Outcome',
  'me.note': 'Note (optional)',
  'me.release': 'Release',
  'me.release.reason': 'Reason for releasing',
  'me.notify.offer': 'New offer: {0}',
  'me.offer.facts': 'Routing facts',
  'me.enableAlerts': 'Enable sound and notifications',
  'signin.title': 'Sign in to 12355 case dispatch',
  'signin.id': 'ID',
  'signin.token': 'Token',
  'signin.submit': 'Sign in',
  'signin.code': 'Using the one-time sign-in link…',
  'signin.expired': 'Your session expired; please sign in again.',
  'signin.out': 'You have signed out.',
  'time.s': '{0} s',
  'time.m': '{0} min {1} s',
  'time.h': '{0} h {1} min',
  'loading': 'Loading…',
  'err.network': 'Cannot reach the server; check the network and retry.',
  'err.UNAUTHENTICATED': 'Your session has ended; please sign in again.',
  'err.PERMISSION_DENIED': 'You may not do this.',
  'err.NOT_FOUND': 'No such case or record.',
  'err.CONFLICT': 'The case changed; this action is no longer possible.',
  'err.INVALID_ARGUMENT': 'Invalid input: {0}',
  'err.RESOURCE_EXHAUSTED': 'Too many requests; try again shortly.',
  'err.UNAVAILABLE': 'The service is unavailable; try again shortly.',
  'err.INTERNAL': 'Server error; tell the administrator.',
  'err.csrf': 'Security check failed; reload the page and retry.',
  'err.signin': 'Wrong ID or token.',
  'err.code': 'The sign-in link is invalid or used; ask a supervisor for a new one.',
  'err.unknown': 'Failed ({0}).',
  'msg.expired': 'The offer expired; the case went back to the queue.',
  'msg.withdrawn': 'The offer was withdrawn: someone else accepted it, it was reassigned, or your shift ended.',
  'msg.notOffered': 'This case is not offered to you.',
  'msg.badState': 'The case is not in a state that allows this.',
  'msg.offDuty': 'That counselor is not on duty now.',
  'msg.signedOut': 'That counselor is signed out.',
  'msg.full': 'That counselor has no free capacity.',
  'msg.notYours': 'This case is not offered or assigned to you.',
};

const dictionaries = {zh, en};
const storageKey = 'caseroute.lang';

function initial_lang() {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved === 'zh' || saved === 'en') return saved;
  } catch { /* storage blocked: fall back to the browser's language */ }
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'zh'];
  for (const l of langs) {
    if (/^zh/i.test(l)) return 'zh';
    if (/^en/i.test(l)) return 'en';
  }
  return 'zh';
}

let lang = initial_lang();
const listeners = [];

export function current_lang() { return lang; }

export function t(key, ...args) {
  let s = dictionaries[lang][key] ?? zh[key] ?? key;
  args.forEach((a, i) => { s = s.replaceAll(`{${i}}`, String(a)); });
  return s;
}

// A code's words, or the code itself when the dictionary has none (a
// specialty added to the config after this page was written).
export function label(prefix, code) {
  const key = `${prefix}.${code}`;
  return dictionaries[lang][key] ?? zh[key] ?? code;
}

export function set_lang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  try { localStorage.setItem(storageKey, lang); } catch { /* not remembered */ }
  apply_static();
  for (const f of listeners) f();
}

export function on_lang_change(f) { listeners.push(f); }

// Fills every element carrying data-i18n (text) or data-i18n-label
// (aria-label) and sets <html lang>.
export function apply_static(root = document) {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  const sw = document.getElementById('lang-switch');
  if (sw) sw.lang = lang === 'zh' ? 'en' : 'zh-CN';
}

// Translates the daemon's English error messages that a person acts on.
const messages = [
  [/offer has expired/, 'msg.expired'],
  [/offer was withdrawn/, 'msg.withdrawn'],
  [/not offered to you$/, 'msg.notOffered'],
  [/not offered or assigned to you/, 'msg.notYours'],
  [/not in a state that allows this/, 'msg.badState'],
  [/not on duty now/, 'msg.offDuty'],
  [/is signed out/, 'msg.signedOut'],
  [/no free capacity/, 'msg.full'],
];

export function error_text(status, code, message) {
  for (const [re, key] of messages) if (re.test(message || '')) return t(key);
  if (status === 403 && /csrf|origin/i.test(message || '')) return t('err.csrf');
  if (code && dictionaries.zh[`err.${code}`]) return t(`err.${code}`, message || '');
  return t('err.unknown', status || '?');
}

// Wait reasons as the daemon writes them (English sentences built from
// fixed phrases, see daemon/routing/rules.cpp), in Chinese when asked.
const state_phrases = {
  'signed out after missed offers': '因错过派单被签退',
  'signed out': '已签退',
  'in wrap-up after a case': '处于个案整理时间',
  'at the crisis limit for this shift': '本班危机个案已达上限',
  'at capacity': '已满负荷',
};

function concern_words(list) {
  const any = list.startsWith('any of ');
  const codes = (any ? list.slice(7) : list).split(', ').map((c) => label('concern', c));
  return any ? `${codes.join('、')}之一` : codes[0];
}

export function wait_reason(text) {
  if (!text || lang !== 'zh') return text || '';
  if (text === 'no counselor eligible') return '没有符合条件的咨询师';
  if (text === 'no counselor on duty') return '当前没有咨询师值班';
  let m = /^no counselor on duty near county (\S+) for a visit$/.exec(text);
  if (m) return `区县 ${m[1]} 附近没有可上门服务的值班咨询师`;
  m = /^waiting for continuity counselor ([^,\s]+)/.exec(text);
  if (m) return `等待原咨询师 ${m[1]}（其下一班即将开始）`;
  m = /^(no|every)( crisis-trained)? counselor on duty(?: near county (\d+))?(?: (?:who )?holds (.+?))?(?: is (.+))?$/.exec(text);
  if (!m) return text;
  const who = `${m[2] ? '受过危机干预培训的' : ''}值班咨询师${m[3] ? `（区县 ${m[3]} 附近）` : ''}`;
  const holds = m[4] ? `擅长${concern_words(m[4])}的` : '';
  if (m[1] === 'no') return `没有${holds}${who}`;
  const states = (m[5] || '').split(/, | or /).map((p) => state_phrases[p] || p).join('或');
  return `${holds}${who}均${states}`;
}

export function duration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return t('time.s', s);
  if (s < 3600) return t('time.m', Math.floor(s / 60), s % 60);
  return t('time.h', Math.floor(s / 3600), Math.floor((s % 3600) / 60));
}

export function clock(iso) {
  if (!iso) return t('none');
  const d = new Date(iso);
  return d.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB',
                          {month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'});
}
