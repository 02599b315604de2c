package io.scimd.core.filter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scimd.core.error.ScimException;
import io.scimd.core.path.AttrPath;
import java.math.BigDecimal;
import org.jspecify.annotations.Nullable;

/**
 * Parses the filter grammar of RFC 7644 §3.4.2.2 (with its errata): operators, {@code and}/{@code
 * or}/{@code not} case-insensitive, {@code and} binding tighter than {@code or}, value paths, JSON
 * string escapes, numbers, {@code true}/{@code false}/{@code null}.
 *
 * <p>The grammar, as this parser reads it ({@code and}/{@code or} left-associative):
 *
 * <pre>
 * filter    = or EOF
 * or        = and *("or" and)
 * and       = unary *("and" unary)
 * unary     = "not" "(" or ")" / "(" or ")" / attrPath "[" or "]" [ "." subAttr rest ]
 *           / attrPath rest
 * rest      = "pr" / compareOp compValue
 * </pre>
 *
 * <p>{@code attrPath[f].sub rest} (no space before the {@code .}) is Entra ID's form, outside the
 * RFC's ABNF; it reads as {@code attrPath[f and sub rest]}, the one thing it can mean.
 *
 * <p>One hand-written, single-pass lexer with one token of state (no regular expressions, no
 * exceptions for control flow). It is forgiving where the RFC's ABNF is stricter than clients are:
 * any amount of white space between tokens, {@code not(} without a space, keywords and literals in
 * any case. Inside brackets paths are relative to the multi-valued attribute; brackets do not nest
 * (the {@code valFilter} rule has no {@code valuePath}).
 *
 * <p>Every failure is {@code invalidFilter} (RFC 7644 §3.12) whose detail names the 0-based
 * character offset and what was expected there. Nesting is limited to {@value #MAX_DEPTH} levels
 * and a filter to {@value #MAX_TERMS} comparisons, so that no input can exhaust the stack of the
 * parser or of the code that walks the tree.
 */
public final class FilterParser {
  /** Deepest nesting of parentheses, {@code not (} and brackets. */
  public static final int MAX_DEPTH = 64;

  /**
   * Most comparisons ({@code attrPath op value} or {@code attrPath pr}) in one filter. A flat chain
   * of {@code n} terms is a tree {@code n} deep, and the records' own {@code equals}/{@code
   * hashCode} recurse at over a kilobyte of stack per level before the JIT compiles them: 200 stays
   * well inside a default 1 MB (platform or virtual) thread stack, and far above what identity
   * providers send.
   */
  public static final int MAX_TERMS = 200;

  /** Longest number literal; longer ones are not realistic and cost quadratic time to convert. */
  private static final int MAX_NUMBER_LENGTH = 256;

  private static final CompareOp[] OPERATORS = CompareOp.values();

  private enum Kind {
    WORD,
    STRING,
    NUMBER,
    LPAREN,
    RPAREN,
    LBRACKET,
    RBRACKET,
    EOF
  }

  private final String src;
  private int pos; // next character the lexer reads
  private Kind kind = Kind.EOF;
  private int start; // offset of the current token
  private int end; // offset just past the current token
  private @Nullable JsonNode literal; // the value of a STRING or NUMBER token
  private int depth;
  private int terms;
  private boolean inValuePath;

  private FilterParser(String src) {
    this.src = src;
  }

  /**
   * Parses a filter such as {@code userName eq "bjensen" and emails[type eq "work"]}.
   *
   * @throws ScimException {@code invalidFilter} naming the position that failed
   */
  public static Filter parse(String text) {
    FilterParser p = new FilterParser(text);
    p.next();
    if (p.kind == Kind.EOF) {
      throw ScimException.invalidFilter("invalid filter: the filter is empty");
    }
    Filter f = p.parseOr();
    if (p.kind != Kind.EOF) {
      throw p.error("expected \"and\", \"or\" or the end of the filter");
    }
    return f;
  }

  /**
   * How deeply {@code text} nests: the most parentheses, {@code not (} groups and value filter
   * brackets ({@code emails[...]}) open inside one another at any point, outside string literals; 0
   * for a filter without any. Measured on the characters alone, without parsing, so that a service
   * can refuse a filter deeper than its own limit (and say how deep it was) before it spends
   * anything on it: {@code userName eq "a" and (title eq "b" or not (active eq true))} is 2 deep. A
   * chain of {@code and}/{@code or} adds no depth: only groups do.
   */
  public static int nestingDepth(String text) {
    int depth = 0;
    int deepest = 0;
    boolean inString = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++; // the escaped character, a quote included, does not end the string
        } else if (c == '"') {
          inString = false;
        }
        continue;
      }
      switch (c) {
        case '"' -> inString = true;
        case '(', '[' -> deepest = Math.max(deepest, ++depth);
        case ')', ']' -> depth = Math.max(0, depth - 1);
        default -> {}
      }
    }
    return deepest;
  }

  // ---------------------------------------------------------------- grammar

  private Filter parseOr() {
    Filter left = parseAnd();
    while (kind == Kind.WORD && isWord("or")) {
      next();
      left = new Filter.Or(left, parseAnd());
    }
    return left;
  }

  private Filter parseAnd() {
    Filter left = parseUnary();
    while (kind == Kind.WORD && isWord("and")) {
      next();
      left = new Filter.And(left, parseUnary());
    }
    return left;
  }

  private Filter parseUnary() {
    switch (kind) {
      case LPAREN -> {
        enter();
        next();
        Filter inner = parseOr();
        expectClose(Kind.RPAREN, "\")\"");
        return inner;
      }
      case WORD -> {
        if (isWord("not") && notStartsGroup()) {
          next(); // now at "("
          enter();
          next();
          Filter inner = parseOr();
          expectClose(Kind.RPAREN, "\")\"");
          return new Filter.Not(inner);
        }
        return parseAttrExp();
      }
      default -> throw error("expected an attribute path, \"(\" or \"not (\"");
    }
  }

  /**
   * After the word {@code not}: true when a {@code (} follows, so it is the operator. When an
   * operator, {@code pr} or {@code [} follows instead, {@code not} is an attribute name; anything
   * else is an error that names the missing parenthesis.
   */
  private boolean notStartsGroup() {
    int savedPos = pos;
    Kind savedKind = kind;
    int savedStart = start;
    int savedEnd = end;
    JsonNode savedLiteral = literal;
    next();
    Kind following = kind;
    boolean operatorFollows =
        following == Kind.LBRACKET
            || (following == Kind.WORD && (isWord("pr") || operator() != null));
    int failAt = start;
    String found = found();
    pos = savedPos;
    kind = savedKind;
    start = savedStart;
    end = savedEnd;
    literal = savedLiteral;
    if (following == Kind.LPAREN) {
      return true;
    }
    if (operatorFollows) {
      return false;
    }
    throw fail(failAt, "expected \"(\" after \"not\", found " + found);
  }

  private Filter parseAttrExp() {
    int pathStart = start;
    int pathEnd = end;
    AttrPath path = attrPath();
    next();
    if (kind == Kind.LBRACKET) {
      if (inValuePath) {
        throw error("value filters cannot be nested: expected \"and\", \"or\" or \"]\"");
      }
      enter();
      inValuePath = true;
      next();
      Filter inner = parseOr();
      inValuePath = false;
      if (kind == Kind.RBRACKET && pos < src.length() && src.charAt(pos) == '.') {
        depth--;
        return new Filter.ValuePath(path, new Filter.And(inner, subAttributeExp()));
      }
      expectClose(Kind.RBRACKET, "\"]\"");
      return new Filter.ValuePath(path, inner);
    }
    return comparison(path, pathStart, pathEnd, true);
  }

  /**
   * After {@code attrPath[valFilter]} and a {@code .} right behind the bracket: {@code subAttr op
   * value} or {@code subAttr pr}. Entra ID sends {@code emails[type eq "work"].value eq "a@x.com"},
   * which RFC 7644 §3.4.2.2 does not define but whose only meaning is that one value satisfies
   * both, i.e. {@code emails[type eq "work" and value eq "a@x.com"]}; the caller builds that.
   */
  private Filter subAttributeExp() {
    int dot = pos++;
    next();
    if (kind != Kind.WORD || !AttrPath.isName(src.substring(start, end))) {
      throw fail(dot + 1, "expected a sub-attribute name after \"].\", found " + found());
    }
    AttrPath path = AttrPath.of(src.substring(start, end));
    int pathStart = start;
    int pathEnd = end;
    next();
    return comparison(path, pathStart, pathEnd, false);
  }

  /**
   * The rest of {@code attrPath op value} or {@code attrPath pr}: the path, which spans {@code
   * pathStart} to {@code pathEnd}, has been read and the current token follows it; {@code
   * bracketAllowed} says whether a {@code [} could have followed it instead.
   */
  private Filter comparison(AttrPath path, int pathStart, int pathEnd, boolean bracketAllowed) {
    if (++terms > MAX_TERMS) {
      throw fail(pathStart, "a filter may have at most " + MAX_TERMS + " comparisons");
    }
    if (kind == Kind.WORD && isWord("pr")) {
      next();
      return new Filter.Present(path);
    }
    CompareOp op = kind == Kind.WORD ? operator() : null;
    if (op == null) {
      throw error(
          "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le)"
              + (bracketAllowed ? ", \"pr\" or \"[\"" : " or \"pr\"")
              + " after \""
              + src.substring(pathStart, pathEnd)
              + "\"");
    }
    int opStart = start;
    next();
    JsonNode value = value();
    if (value == null) {
      throw error(
          "expected a value (a string in double quotes, a number, true, false or null) after \""
              + src.substring(opStart, opStart + 2)
              + "\"");
    }
    next();
    return new Filter.Compare(path, op, value);
  }

  private void expectClose(Kind closer, String what) {
    if (kind != closer) {
      throw error("expected \"and\", \"or\" or " + what);
    }
    depth--;
    next();
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw error("the filter nests deeper than " + MAX_DEPTH + " levels");
    }
  }

  /** The current token as a comparison value, or null when it is not one. */
  private @Nullable JsonNode value() {
    return switch (kind) {
      case STRING, NUMBER -> literal;
      case WORD -> {
        if (isWord("true")) {
          yield BooleanNode.TRUE;
        } else if (isWord("false")) {
          yield BooleanNode.FALSE;
        } else if (isWord("null")) {
          yield NullNode.getInstance();
        }
        yield null;
      }
      case LPAREN, RPAREN, LBRACKET, RBRACKET, EOF -> null;
    };
  }

  private @Nullable CompareOp operator() {
    if (end - start != 2) {
      return null;
    }
    for (CompareOp op : OPERATORS) {
      if (src.regionMatches(true, start, op.token(), 0, 2)) {
        return op;
      }
    }
    return null;
  }

  private boolean isWord(String keyword) {
    return end - start == keyword.length()
        && src.regionMatches(true, start, keyword, 0, end - start);
  }

  /**
   * The current WORD token as an attribute path: {@code [urn ":"] name ["." name]}. The URN ends at
   * the last {@code :} (URNs such as {@code ...:enterprise:2.0:User} contain dots), as {@link
   * AttrPath#parse} does, but failures here name their position.
   */
  private AttrPath attrPath() {
    String urn = null;
    int nameStart = start;
    if (src.regionMatches(true, start, "urn:", 0, 4)) {
      int colon = src.lastIndexOf(':', end - 1);
      if (colon - start <= 4) {
        throw error("expected a schema URN before the attribute name in \"" + token() + "\"");
      }
      urn = src.substring(start, colon);
      nameStart = colon + 1;
    }
    int dot = -1;
    for (int i = nameStart; i < end; i++) {
      char c = src.charAt(i);
      if (c == ':') {
        throw fail(
            i, "\":\" in \"" + token() + "\": only a path that starts with \"urn:\" has a schema");
      }
      if (c == '.') {
        if (dot >= 0) {
          throw fail(i, "expected at most one sub-attribute in \"" + token() + "\"");
        }
        dot = i;
      }
    }
    String attr = src.substring(nameStart, dot < 0 ? end : dot);
    String sub = dot < 0 ? null : src.substring(dot + 1, end);
    if (!AttrPath.isName(attr)) {
      throw fail(nameStart, "expected an attribute name, found " + ScimException.quote(attr));
    }
    if (sub != null && !AttrPath.isName(sub)) {
      throw fail(
          dot + 1, "expected a sub-attribute name after \".\", found " + ScimException.quote(sub));
    }
    return new AttrPath(urn, attr, sub);
  }

  // ---------------------------------------------------------------- lexer

  /** Reads the next token into {@link #kind}, {@link #start}, {@link #end}, {@link #literal}. */
  private void next() {
    int n = src.length();
    while (pos < n && isSpace(src.charAt(pos))) {
      pos++;
    }
    start = pos;
    literal = null;
    if (pos >= n) {
      kind = Kind.EOF;
      end = pos;
      return;
    }
    char c = src.charAt(pos);
    switch (c) {
      case '(' -> single(Kind.LPAREN);
      case ')' -> single(Kind.RPAREN);
      case '[' -> single(Kind.LBRACKET);
      case ']' -> single(Kind.RBRACKET);
      case '"' -> string();
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          number();
        } else if (isWordStart(c)) {
          pos++;
          while (pos < n && isWordPart(src.charAt(pos))) {
            pos++;
          }
          kind = Kind.WORD;
          end = pos;
        } else {
          throw fail(pos, "unexpected character " + describe(c));
        }
      }
    }
  }

  private void single(Kind k) {
    kind = k;
    end = ++pos;
  }

  /** A JSON string (RFC 8259 §7) with every escape, decoded. */
  private void string() {
    int open = pos++;
    int n = src.length();
    StringBuilder b = null;
    int runStart = pos;
    while (true) {
      if (pos >= n) {
        throw fail(open, "unterminated string: expected a closing '\"'");
      }
      char c = src.charAt(pos);
      if (c == '"') {
        String s;
        if (b == null) {
          s = src.substring(runStart, pos);
        } else {
          s = b.append(src, runStart, pos).toString();
        }
        pos++;
        kind = Kind.STRING;
        end = pos;
        literal = TextNode.valueOf(s);
        return;
      }
      if (c != '\\') {
        pos++;
        continue;
      }
      if (b == null) {
        b = new StringBuilder();
      }
      b.append(src, runStart, pos);
      int esc = pos;
      if (pos + 1 >= n) {
        throw fail(open, "unterminated string: expected a closing '\"'");
      }
      char e = src.charAt(pos + 1);
      pos += 2;
      switch (e) {
        case '"' -> b.append('"');
        case '\\' -> b.append('\\');
        case '/' -> b.append('/');
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          int v = 0;
          for (int i = 0; i < 4; i++) {
            int d = pos < n ? hex(src.charAt(pos)) : -1;
            if (d < 0) {
              throw fail(esc, "invalid escape in string: expected four hex digits after \\u");
            }
            v = v * 16 + d;
            pos++;
          }
          b.append((char) v);
        }
        default ->
            throw fail(
                esc,
                "invalid escape \\"
                    + e
                    + " in string: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
      }
      runStart = pos;
    }
  }

  /** A JSON number (RFC 8259 §6): {@code -? int frac? exp?}. */
  private void number() {
    int n = src.length();
    int s = pos;
    if (src.charAt(pos) == '-') {
      pos++;
    }
    int intStart = pos;
    if (pos < n && src.charAt(pos) == '0') {
      pos++;
    } else {
      while (pos < n && isDigit(src.charAt(pos))) {
        pos++;
      }
    }
    if (pos == intStart) {
      throw fail(s, "invalid number: expected a digit after '-'");
    }
    boolean integral = true;
    if (pos < n && src.charAt(pos) == '.') {
      integral = false;
      pos++;
      int fracStart = pos;
      while (pos < n && isDigit(src.charAt(pos))) {
        pos++;
      }
      if (pos == fracStart) {
        throw fail(s, "invalid number: expected a digit after '.'");
      }
    }
    if (pos < n && (src.charAt(pos) == 'e' || src.charAt(pos) == 'E')) {
      integral = false;
      pos++;
      if (pos < n && (src.charAt(pos) == '+' || src.charAt(pos) == '-')) {
        pos++;
      }
      int expStart = pos;
      while (pos < n && isDigit(src.charAt(pos))) {
        pos++;
      }
      if (pos == expStart) {
        throw fail(s, "invalid number: expected a digit in the exponent");
      }
      if (pos - expStart > 9) {
        throw fail(s, "number out of range: the exponent is too large");
      }
    }
    if (pos < n && (isWordPart(src.charAt(pos)) || src.charAt(pos) == '"')) {
      while (pos < n && isWordPart(src.charAt(pos))) {
        pos++;
      }
      throw fail(s, "invalid number \"" + src.substring(s, pos) + "\"");
    }
    if (pos - s > MAX_NUMBER_LENGTH) {
      throw fail(s, "number too long: at most " + MAX_NUMBER_LENGTH + " characters");
    }
    kind = Kind.NUMBER;
    end = pos;
    literal = numberNode(src.substring(s, pos), integral);
  }

  /** Integers as IntNode or LongNode when they fit, everything else as DecimalNode. */
  static JsonNode numberNode(String text, boolean integral) {
    boolean negative = text.charAt(0) == '-';
    if (integral && text.length() <= (negative ? 20 : 19)) {
      // Accumulate negatively, as Long.parseLong does, so that Long.MIN_VALUE fits.
      long v = 0;
      boolean overflow = false;
      for (int i = negative ? 1 : 0; i < text.length(); i++) {
        int d = text.charAt(i) - '0';
        if (v < (Long.MIN_VALUE + d) / 10) {
          overflow = true;
          break;
        }
        v = v * 10 - d;
      }
      if (!overflow && (negative || v != Long.MIN_VALUE)) {
        v = negative ? v : -v;
        return v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
      }
    }
    return DecimalNode.valueOf(new BigDecimal(text));
  }

  // ---------------------------------------------------------------- errors and characters

  private ScimException error(String expected) {
    return fail(start, expected + ", found " + found());
  }

  private ScimException fail(int at, String message) {
    return ScimException.invalidFilter("invalid filter at position " + at + ": " + message);
  }

  private String found() {
    return kind == Kind.EOF ? "the end of the filter" : "\"" + token() + "\"";
  }

  /** The current token's text, cut short so that a huge token does not make a huge message. */
  private String token() {
    int len = end - start;
    return len <= 40 ? src.substring(start, end) : src.substring(start, start + 40) + "...";
  }

  private static String describe(char c) {
    if (c < 0x20 || c > 0x7e) {
      return String.format("U+%04X", (int) c);
    }
    return "'" + c + "'";
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isWordStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '$';
  }

  /** Characters of attribute paths (RFC 7643 §2.1 nameChar, plus URN ':' and '.', and $ref). */
  private static boolean isWordPart(char c) {
    return isWordStart(c) || isDigit(c) || c == '-' || c == '_' || c == '.' || c == ':';
  }

  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
