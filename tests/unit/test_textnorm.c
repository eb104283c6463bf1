/*
 * test_textnorm: normalisation of Chinese and English text for phrase
 * matching (full-width forms, punctuation, case, spacing), whole-word
 * matching of ASCII, and the digit form used for read-backs.
 */
#include <stdlib.h>

#include "callqa/strbuf.h"
#include "callqa/textnorm.h"
#include "../tap.h"

static char *
norm(const char *s)
{
	static struct strbuf sb = STRBUF_INIT;

	strbuf_reset(&sb);
	textnorm(s, &sb);
	return sb.buf;
}

static char *
digits(const char *s)
{
	static struct strbuf sb = STRBUF_INIT;
	struct strbuf n = STRBUF_INIT;

	strbuf_reset(&sb);
	textnorm(s, &n);
	textnorm_digits(n.buf, &sb);
	strbuf_release(&n);
	return sb.buf;
}

static long
find(const char *text, const char *phrase)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	long r;

	textnorm(text, &a);
	textnorm(phrase, &b);
	r = textnorm_find(a.buf, b.buf);
	strbuf_release(&a);
	strbuf_release(&b);
	return r;
}

int
main(void)
{
	check_str(norm("您好，很高兴为您服务，我是工号１０２３。"),
		  "您好很高兴为您服务我是工号1023",
		  "CJK punctuation removed, full-width digits to ASCII");
	check_str(norm("Hello,  Thank   YOU for calling!"),
		  "hello thank you for calling",
		  "ASCII case folded, punctuation and runs of spaces collapse");
	check_str(norm("ＨＥＬＬＯ　ｗｏｒｌｄ！"), "hello world",
		  "full-width letters and the ideographic space");
	check_str(norm("I don't know"), "i dont know",
		  "apostrophe dropped inside a word");
	check_str(norm("I don’t know"), "i dont know",
		  "typographic apostrophe too");
	check_str(norm("您好 ， 工号 1023"), "您好工号1023",
		  "spaces next to CJK dropped");
	check_str(norm("工号 1023 agent 7"), "工号1023 agent 7",
		  "space kept between ASCII words");
	check_str(norm("“请问还有什么可以帮到您？”……——《》（）"),
		  "请问还有什么可以帮到您", "quotes, ellipsis, dashes, brackets");
	check_str(norm("a\xff" "b"), "ab", "a byte that is not UTF-8 is dropped");
	check_str(norm(" \t"), "", "only spaces gives empty text");

	check(find("Is there anything else I can help you with?",
		   "anything else I can help you with") >= 0,
	      "English phrase found despite case and punctuation");
	check(find("thank  you", "Thank you") >= 0, "spacing differences");
	check(find("I know the answer", "no") < 0,
	      "ASCII word not found inside another word");
	check(find("no, not my problem", "not my problem") >= 0,
	      "phrase at the end of a segment");
	check(find("请问还有什么可以帮到您", "还有什么可以帮") >= 0,
	      "Chinese matches anywhere");
	check(find("您好，很高兴为您服务", "您好很高兴") >= 0,
	      "Chinese phrase across punctuation");
	check(find("ＴＨＡＮＫ ＹＯＵ ＦＯＲ ＣＡＬＬＩＮＧ", "thank you for calling") >= 0,
	      "full-width English text matches a half-width phrase");
	check(find("anything", "") < 0, "empty phrase never matches");
	check_int(find("abc abc", "abc"), 0, "offset of the first match");

	check_str(digits("您的单号是幺二三四五六七八"), "您的单号是12345678",
		  "Chinese digits, 幺 for one");
	check_str(digits("零〇两九"), "0029", "零 〇 两 九");
	check_str(digits("Your tracking number is one two three oh five"),
		  "yourtrackingnumberis12305", "English digit words, oh is 0");
	check_str(digits("zero nine 4 7"), "0947", "mixed words and digits");
	check_str(digits("SF-12 34"), "sf1234", "letters, hyphen and spaces");
	check_str(digits("someone"), "someone", "digit words only as whole words");
	return test_done();
}
