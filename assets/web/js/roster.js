// Roster: the members of a group's subtree.
import {get, items, qs} from './api.js';

export async function membersOf(groupId) {
  try { return items(await get(`/members${qs({group_id: groupId})}`)); } catch (e) { return []; }
}
