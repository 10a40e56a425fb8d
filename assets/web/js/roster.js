// Roster: the members of a group's subtree.
import {get, items, qs} from './api.js';

export async function membersOf(groupId) {
  return items(await get(`/members${qs({group_id: groupId})}`));
}
