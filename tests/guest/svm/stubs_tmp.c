#include "tests/guest/svm/check.h"
void group_inject(void)
{
}
void group_npt(void)
{
}
void group_asid(void)
{
}
void group_gmet(void)
{
}
