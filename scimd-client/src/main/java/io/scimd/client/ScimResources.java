package io.scimd.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scimd.core.filter.Filter;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.jspecify.annotations.Nullable;

/**
 * The resources of one endpoint ({@code /Users}, {@code /Groups}, or any other the server serves),
 * at the JSON level (RFC 7644 §3.2 to §3.6). Every method is one call, retried as the client's
 * {@link RetryPolicy} says, and throws {@link ScimClientException} when it fails.
 *
 * <p>ETags: each {@link ScimResource} carries the version it was read at. Passing it as {@code
 * ifMatch} makes a replace, patch or delete apply only to that version; a resource changed in
 * between answers 412 (RFC 7644 §3.14). Null sends no {@code If-Match}.
 */
public final class ScimResources {
  private final ScimClient client;
  private final String endpoint;

  ScimResources(ScimClient client, String endpoint) {
    this.client = client;
    this.endpoint = Uris.endpoint(endpoint);
  }

  /** The endpoint, e.g. {@code /Users}. */
  public String endpoint() {
    return endpoint;
  }

  /** GET the resource {@code id}, with only {@code attributes} if any are named. */
  public ScimResource get(String id, String... attributes) {
    List<String[]> q = new ArrayList<>();
    if (attributes.length > 0) {
      q.add(new String[] {"attributes", String.join(",", attributes)});
    }
    return resource(client.http().send("GET", uri(id, q), null, null, true), "GET");
  }

  /** POST: creates {@code resource} and returns it as the server stored it. */
  public ScimResource create(ObjectNode resource) {
    return resource(
        client.http().send("POST", client.uri(endpoint, List.of()), resource, null, false), "POST");
  }

  /** PUT: replaces resource {@code id} with {@code resource}. */
  public ScimResource replace(String id, ObjectNode resource, @Nullable String ifMatch) {
    return resource(client.http().send("PUT", uri(id, List.of()), resource, ifMatch, true), "PUT");
  }

  /**
   * PATCH resource {@code id}. Empty when the server answered 204 without the resource (RFC 7644
   * §3.5.2 allows it); then {@link #get} reads it.
   *
   * <p>Not retried after a timeout: an {@code add} to a multi-valued attribute applied twice is not
   * the same as applied once. With {@code ifMatch} a repeat would fail with 412 instead, but the
   * client cannot tell that from a real conflict.
   */
  public Optional<ScimResource> patch(String id, Patch patch, @Nullable String ifMatch) {
    Http.Response r =
        client.http().send("PATCH", uri(id, List.of()), patch.toJson(), ifMatch, false);
    return r.body() == null ? Optional.empty() : Optional.of(resource(r, "PATCH"));
  }

  /** DELETE resource {@code id}. */
  public void delete(String id, @Nullable String ifMatch) {
    client.http().send("DELETE", uri(id, List.of()), null, ifMatch, true);
  }

  /** One page by GET, as {@code request} asks, from the start (index 1, or the first cursor). */
  public ListPage page(SearchRequest request) {
    return pages(request, false).next();
  }

  /** Every resource {@code request} selects, by GET, page by page as the stream is read. */
  public Stream<ScimResource> list(SearchRequest request) {
    return stream(request, false);
  }

  /** {@link #list(SearchRequest)} of what {@code filter} selects. */
  public Stream<ScimResource> list(Filter filter) {
    return list(SearchRequest.filter(filter));
  }

  /**
   * Every resource {@code request} selects, by POST {@code .search} (RFC 7644 §3.4.3): the filter
   * travels in the body, out of URLs and access logs, and has no URL length limit.
   */
  public Stream<ScimResource> search(SearchRequest request) {
    return stream(request, true);
  }

  /** The pages of {@code request}, fetched one by one as the iterator is read. */
  public Iterator<ListPage> pages(SearchRequest request, boolean post) {
    Paging paging = request.paging() == Paging.AUTO ? client.autoPaging() : request.paging();
    return new PageIterator(request, paging, post);
  }

  private Stream<ScimResource> stream(SearchRequest request, boolean post) {
    Iterator<ListPage> pages = pages(request, post);
    Iterator<ScimResource> resources =
        new Iterator<>() {
          private Iterator<ScimResource> current = List.<ScimResource>of().iterator();

          @Override
          public boolean hasNext() {
            while (!current.hasNext() && pages.hasNext()) {
              current = pages.next().resources().iterator();
            }
            return current.hasNext();
          }

          @Override
          public ScimResource next() {
            if (!hasNext()) {
              throw new NoSuchElementException();
            }
            return current.next();
          }
        };
    return StreamSupport.stream(
        Spliterators.spliteratorUnknownSize(resources, Spliterator.ORDERED | Spliterator.NONNULL),
        false);
  }

  private URI uri(String id, List<String[]> query) {
    return client.uri(endpoint + "/" + Uris.segment(id), query);
  }

  private static ScimResource resource(Http.Response r, String what) {
    return ScimResource.of(Json.object(r.body(), what), r.header("ETag"));
  }

  /**
   * Walks the pages. Index paging asks for {@code startIndex} 1, then one past the last resource it
   * received, until it has {@code totalResults} or a page comes back empty (a server whose count
   * shrank under it must not loop forever). Cursor paging (RFC 9865 §3) sends an empty cursor, then
   * each page's {@code nextCursor} until there is none; a server that hands back the cursor it was
   * given would loop, so that is an error.
   */
  private final class PageIterator implements Iterator<ListPage> {
    private final SearchRequest request;
    private final Paging paging;
    private final boolean post;
    private int startIndex = 1;
    private @Nullable String cursor = "";
    private boolean done;

    PageIterator(SearchRequest request, Paging paging, boolean post) {
      this.request = request;
      this.paging = paging;
      this.post = post;
    }

    @Override
    public boolean hasNext() {
      return !done;
    }

    @Override
    public ListPage next() {
      if (done) {
        throw new NoSuchElementException();
      }
      boolean byCursor = paging == Paging.CURSOR;
      Http.Response r;
      if (post) {
        ObjectNode body = request.body();
        if (byCursor) {
          body.put("cursor", cursor);
        } else {
          body.put("startIndex", startIndex);
        }
        r =
            client
                .http()
                .send("POST", client.uri(endpoint + "/.search", List.of()), body, null, true);
      } else {
        List<String[]> q = request.queryParameters();
        q.add(
            byCursor
                ? new String[] {"cursor", String.valueOf(cursor)}
                : new String[] {"startIndex", Integer.toString(startIndex)});
        r = client.http().send("GET", client.uri(endpoint, q), null, null, true);
      }
      ListPage page = ListPage.of(Json.object(r.body(), "a ListResponse"));
      if (byCursor) {
        String next = page.nextCursor();
        if (next != null && next.equals(cursor)) {
          done = true;
          throw new IllegalStateException(
              "the server answered cursor " + cursor + " with the same nextCursor");
        }
        cursor = next;
        done = next == null;
      } else {
        int received = page.resources().size();
        done = received == 0 || (long) startIndex - 1 + received >= page.totalResults();
        startIndex += received;
      }
      return page;
    }
  }
}
