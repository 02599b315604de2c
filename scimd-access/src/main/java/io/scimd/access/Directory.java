package io.scimd.access;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The identities and applications of one tenant as of one instant: now, read from the store ({@link
 * StoreDirectory}), or in the past, rebuilt from the change journal ({@link JournalDirectory}).
 * {@link Entitlements} works over either, so a decision now and an answer about last March come
 * from the same rules.
 */
public interface Directory {

  /**
   * The subject a request names: by id, else by {@code userName} (an agent's {@code
   * agentUserName}), else {@code externalId}, else (users, with an {@code @}) a unique email.
   *
   * @throws AccessException 400 when the key names several subjects
   */
  Optional<Identity> subject(Identity.Kind kind, String key);

  /** The user with this id, with its groups (an agent's owner). */
  Optional<Identity> user(String id);

  Optional<Application> application(String name);

  List<Application> applications();

  /**
   * Every member of the group, directly or through nested groups: the users and agents among them,
   * each once, as ids with their kind.
   */
  void membersOf(String groupId, Consumer<Member> each);

  /** The users a rule's filter selects, as ids; at most {@code limit}. */
  List<String> usersMatching(Application.Rule rule, int limit);

  /** The agents granted a role of this application, as ids; at most {@code limit}. */
  List<String> agentsOf(Application app, int limit);

  /** A member of a group that is a subject. */
  record Member(Identity.Kind kind, String id) {}
}
