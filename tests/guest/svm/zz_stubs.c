#include "tests/guest/svm/check.h"
void group_asid(void)
{
}
void group_gmet(void)
{
}
