from cms.models.pages import (
    CourseLesson,
    CoursePage,
    CourseTag,
    HomePage,
    LessonCourseware,
    LessonTag,
    MicroLessonPage,
    SectionPage,
    TeachingSitePage,
    TopicCourse,
    TopicPage,
    VRCoursewarePage,
)
from cms.models.snippets import Lecturer, RedRoute, RedRouteStop
from cms.models.workflow import LessonReviewTask

__all__ = [
    "CourseLesson",
    "CoursePage",
    "CourseTag",
    "HomePage",
    "Lecturer",
    "LessonReviewTask",
    "LessonCourseware",
    "LessonTag",
    "MicroLessonPage",
    "RedRoute",
    "RedRouteStop",
    "SectionPage",
    "TeachingSitePage",
    "TopicCourse",
    "TopicPage",
    "VRCoursewarePage",
]
