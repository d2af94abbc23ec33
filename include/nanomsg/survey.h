/* SURVEYOR/RESPONDENT: ask everyone, collect answers until a deadline (nanomsg 1.1.x API, sprocket's libnanomsg). */
#ifndef SURVEY_H_INCLUDED
#define SURVEY_H_INCLUDED

#ifdef __cplusplus
extern "C" {
#endif

#define NN_PROTO_SURVEY 6

#define NN_SURVEYOR (NN_PROTO_SURVEY * 16 + 2)
#define NN_RESPONDENT (NN_PROTO_SURVEY * 16 + 3)

/* SURVEYOR option (level NN_SURVEYOR): how long a survey collects
 * responses, in milliseconds (int). */
#define NN_SURVEYOR_DEADLINE 1

#ifdef __cplusplus
}
#endif

#endif /* SURVEY_H_INCLUDED */
